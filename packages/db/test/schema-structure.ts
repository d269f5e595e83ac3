import pg from "pg";

/**
 * The structure of a database's `public` schema as one sorted line per object, so two databases
 * compare as two sets of lines. Covers tables, columns (type, nullability, default), enums (labels),
 * indexes (pg_indexes definitions) and primary-key / unique / foreign-key / exclusion constraints.
 *
 * Deliberately left out, because Prisma's schema language cannot express them and our migrations
 * add them by hand: CHECK constraints, and the expression of GENERATED columns (the column itself,
 * its type and nullability are still compared). `_prisma_migrations` belongs to the runner.
 */
export async function describeStructure(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    const lines: string[] = [];
    const rows = async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql)).rows;

    for (const t of await rows<{ table: string }>(
      `SELECT c.relname AS table
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`,
    )) {
      lines.push(`table ${ident(t.table)}`);
    }

    for (const c of await rows<{
      table: string;
      column: string;
      type: string;
      not_null: boolean;
      identity: string;
      default: string | null;
    }>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS not_null, a.attidentity::text AS identity,
              CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'
          AND a.attnum > 0 AND NOT a.attisdropped`,
    )) {
      const parts = [c.type, c.not_null ? "NOT NULL" : "NULL"];
      if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
      if (c.identity) parts.push(`IDENTITY ${c.identity === "a" ? "ALWAYS" : "BY DEFAULT"}`);
      lines.push(`column ${ident(c.table)}.${ident(c.column)}: ${parts.join(" ")}`);
    }

    // Labels are compared as a set: a migration Prisma generates for a new label appends it
    // (ALTER TYPE … ADD VALUE), while a from-scratch script lists labels in schema order.
    for (const e of await rows<{ name: string; labels: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumlabel::text) AS labels
         FROM pg_type t
         JOIN pg_namespace n ON n.oid = t.typnamespace
         JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE n.nspname = 'public'
        GROUP BY t.typname`,
    )) {
      lines.push(`enum ${ident(e.name)}: ${e.labels.map((l) => `'${l}'`).join(", ")}`);
    }

    for (const i of await rows<{ table: string; name: string; def: string }>(
      `SELECT tablename AS table, indexname AS name, indexdef AS def
         FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    )) {
      lines.push(`index ${ident(i.table)}.${ident(i.name)}: ${i.def}`);
    }

    // contype: p primary key, u unique, f foreign key, x exclusion. Not c (CHECK, hand-written).
    for (const k of await rows<{ table: string; name: string; def: string }>(
      `SELECT cl.relname AS table, co.conname AS name, pg_get_constraintdef(co.oid) AS def
         FROM pg_constraint co
         JOIN pg_class cl ON cl.oid = co.conrelid
         JOIN pg_namespace n ON n.oid = co.connamespace
        WHERE n.nspname = 'public' AND co.contype IN ('p', 'u', 'f', 'x') AND cl.relname <> '_prisma_migrations'`,
    )) {
      lines.push(`constraint ${ident(k.table)}.${ident(k.name)}: ${k.def}`);
    }

    return lines.sort();
  } finally {
    await client.end();
  }
}

/**
 * The lines that differ between two structures, sorted by object so both sides of a change sit
 * together: `- <line>` exists only on the left, `+ <line>` only on the right. Empty when equal.
 */
export function structureDiff(left: string[], right: string[], labels: { left: string; right: string }): string[] {
  const l = new Set(left);
  const r = new Set(right);
  return [
    ...left.filter((line) => !r.has(line)).map((line) => ({ line, out: `- ${line}   [only in ${labels.left}]` })),
    ...right.filter((line) => !l.has(line)).map((line) => ({ line, out: `+ ${line}   [only in ${labels.right}]` })),
  ]
    .sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : a.out.localeCompare(b.out)))
    .map((d) => d.out);
}

/** The CHECK constraints of a database's `public` schema as `{ table, name, def }`. */
export async function checkConstraints(url: string): Promise<Array<{ table: string; name: string; def: string }>> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string; name: string; def: string }>(
      `SELECT cl.relname AS table, co.conname AS name, pg_get_constraintdef(co.oid) AS def
         FROM pg_constraint co
         JOIN pg_class cl ON cl.oid = co.conrelid
         JOIN pg_namespace n ON n.oid = co.connamespace
        WHERE n.nspname = 'public' AND co.contype = 'c'
        ORDER BY cl.relname, co.conname`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
