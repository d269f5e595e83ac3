/** What a caller can act on, independent of how Prisma or pg spelled the failure. */
export type PrismaErrorTranslation =
  { kind: "unique"; target: string[] } | { kind: "not_found" } | { kind: "conflict" };

type AdapterCause = {
  kind?: string;
  originalCode?: string;
  constraint?: { fields?: string[]; index?: string };
  table?: string;
};

type ErrorLike = {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  meta?: { target?: unknown; driverAdapterError?: { cause?: AdapterCause } };
  detail?: unknown;
  constraint?: unknown;
  table?: unknown;
};

/**
 * Maps Prisma known request errors (and raw pg errors) to unique / not_found / conflict; anything
 * else returns undefined so the caller rethrows it unchanged.
 */
export function translatePrismaError(err: unknown): PrismaErrorTranslation | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as ErrorLike;
  const cause = e.meta?.driverAdapterError?.cause;
  // Failures at COMMIT of an interactive transaction (SSI aborts land there) escape Prisma
  // unwrapped, as the adapter's DriverAdapterError with the mapped error in `cause`.
  if (e.name === "DriverAdapterError" && typeof e.cause === "object" && e.cause !== null) {
    return fromAdapterCause(e.cause);
  }
  switch (e.code) {
    case "P2002":
      return { kind: "unique", target: uniqueTarget(e.meta?.target, cause) };
    case "P2025":
      return { kind: "not_found" };
    case "P2034":
      return { kind: "conflict" };
    case "P2010":
      // Raw queries ($queryRaw/$executeRaw) report database errors as P2010 with the adapter's cause.
      return cause ? fromAdapterCause(cause) : undefined;
    // Plain pg errors, for code that talks to the database without Prisma (e.g. the outbox relay).
    case "23505":
      return { kind: "unique", target: pgUniqueTarget(e) };
    case "40001":
    case "40P01":
      return { kind: "conflict" };
    default:
      return undefined;
  }
}

function fromAdapterCause(cause: AdapterCause): PrismaErrorTranslation | undefined {
  // TransactionWriteConflict is the adapter's name for 40001 serialization_failure and 40P01 deadlock.
  if (cause.kind === "TransactionWriteConflict") return { kind: "conflict" };
  if (cause.kind === "UniqueConstraintViolation") return { kind: "unique", target: uniqueTarget(undefined, cause) };
  return undefined;
}

function uniqueTarget(target: unknown, cause: AdapterCause | undefined): string[] {
  // The native engine filled meta.target; with driver adapters (Prisma 7) it is on the adapter cause.
  if (Array.isArray(target)) return target.map(String);
  if (typeof target === "string") return [target];
  if (cause?.constraint?.fields) return cause.constraint.fields;
  const index = cause?.constraint?.index;
  if (index) return fieldsFromIndexName(index, cause?.table);
  return [];
}

function pgUniqueTarget(e: ErrorLike): string[] {
  // pg's detail reads: Key (a, b)=(1, 2) already exists.
  const fields = typeof e.detail === "string" ? e.detail.match(/Key \(([^)]+)\)/)?.[1] : undefined;
  if (fields) return fields.split(", ").map((f) => f.replace(/^"(.*)"$/, "$1"));
  if (typeof e.constraint === "string")
    return fieldsFromIndexName(e.constraint, typeof e.table === "string" ? e.table : undefined);
  return [];
}

// Prisma names unique indexes <Model>_<field>[_<field>…]_key; our fields are camelCase, so "_" separates them.
function fieldsFromIndexName(index: string, table: string | undefined): string[] {
  const prefix = table ? `${table}_` : "";
  if (prefix && index.startsWith(prefix) && index.endsWith("_key")) {
    return index.slice(prefix.length, -"_key".length).split("_");
  }
  return [index];
}
