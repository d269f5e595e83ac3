import type { Db } from "./client.ts";
import type { Prisma } from "./generated/client.ts";

/** One stored oidc-provider artifact (its payload is the provider's own JSON). */
export interface OidcRow {
  payload: Record<string, unknown>;
  expiresAt: Date | null;
  consumedAt: Date | null;
}

/** Indexed columns copied out of a payload, so lookups by grant, uid or account need no JSON scan. */
export interface OidcIndexColumns {
  grantId?: string | undefined;
  userCode?: string | undefined;
  uid?: string | undefined;
  accountId?: string | undefined;
  clientId?: string | undefined;
}

/** Inserts or replaces an artifact. */
export async function upsertOidcPayload(
  db: Db,
  model: string,
  id: string,
  payload: Record<string, unknown>,
  columns: OidcIndexColumns,
  expiresAt: Date | null,
): Promise<void> {
  const data = {
    payload: payload as Prisma.InputJsonValue,
    expiresAt,
    consumedAt: null,
    grantId: columns.grantId ?? null,
    userCode: columns.userCode ?? null,
    uid: columns.uid ?? null,
    accountId: columns.accountId ?? null,
    clientId: columns.clientId ?? null,
  };
  await db.oidcPayload.upsert({ where: { model_id: { model, id } }, create: { model, id, ...data }, update: data });
}

const COLUMNS = { payload: true, expiresAt: true, consumedAt: true } as const;

/** An artifact by id, or null. */
export function findOidcPayload(db: Db, model: string, id: string): Promise<OidcRow | null> {
  return db.oidcPayload.findUnique({ where: { model_id: { model, id } }, select: COLUMNS }) as Promise<OidcRow | null>;
}

/** An artifact by one of its indexed columns (interactions by uid, device codes by user code). */
export function findOidcPayloadBy(
  db: Db,
  model: string,
  column: "uid" | "userCode",
  value: string,
): Promise<OidcRow | null> {
  return db.oidcPayload.findFirst({ where: { model, [column]: value }, select: COLUMNS }) as Promise<OidcRow | null>;
}

/** Marks an artifact used (authorization codes, rotated refresh tokens): a second use is a replay. */
export async function consumeOidcPayload(db: Db, model: string, id: string): Promise<void> {
  await db.oidcPayload.updateMany({ where: { model, id }, data: { consumedAt: new Date() } });
}

/** Deletes an artifact. */
export async function destroyOidcPayload(db: Db, model: string, id: string): Promise<void> {
  await db.oidcPayload.deleteMany({ where: { model, id } });
}

/** Deletes every artifact of a model issued under a grant. */
export async function destroyOidcPayloadsByGrant(db: Db, model: string, grantId: string): Promise<void> {
  await db.oidcPayload.deleteMany({ where: { model, grantId } });
}

/** Deletes expired artifacts; returns how many. */
export async function sweepExpiredOidcPayloads(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.oidcPayload.deleteMany({ where: { expiresAt: { lt: now } } });
  return count;
}

/** A user's grant to an app, as "authorized apps" lists it. */
export interface StoredGrant {
  id: string;
  clientId: string;
  payload: Record<string, unknown>;
}

/** The unexpired grants a user gave to apps. */
export async function findGrantsOfAccount(db: Db, accountId: string, clientId?: string): Promise<StoredGrant[]> {
  const rows = await db.oidcPayload.findMany({
    where: {
      model: "Grant",
      accountId,
      ...(clientId ? { clientId } : {}),
      OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
    },
    select: { id: true, clientId: true, payload: true },
  });
  return rows.map((row) => ({
    id: row.id,
    clientId: row.clientId ?? "",
    payload: row.payload as Record<string, unknown>,
  }));
}

/** Deletes a grant and every artifact issued under it (codes, refresh tokens), in one statement. */
export async function destroyGrantWithArtifacts(db: Db, grantId: string): Promise<void> {
  await db.oidcPayload.deleteMany({ where: { OR: [{ model: "Grant", id: grantId }, { grantId }] } });
}
