import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, createPgAdapter, translatePrismaError } from "../src/index.ts";
import { PrismaClient as ProductsClient } from "../../../subgraphs/products/src/db/generated/client.ts";
import { PrismaClient as UsersClient } from "../../../subgraphs/users/src/db/generated/client.ts";
import { freshDatabase, REAL_POSTGRES } from "./support.ts";

const migrations = (subgraph: string) =>
  fileURLToPath(new URL(`../../../subgraphs/${subgraph}/prisma/migrations`, import.meta.url));

let users: InstanceType<typeof UsersClient>;
let products: InstanceType<typeof ProductsClient>;
let usersUrl: string;
const drops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (!REAL_POSTGRES) return;
  const usersDb = await freshDatabase("sgt_db_errors_users");
  const productsDb = await freshDatabase("sgt_db_errors_products");
  drops.push(usersDb.drop, productsDb.drop);
  usersUrl = usersDb.url;
  await applyMigrations({ connectionString: usersDb.url, migrationsDir: migrations("users") });
  await applyMigrations({ connectionString: productsDb.url, migrationsDir: migrations("products") });
  users = new UsersClient({ adapter: createPgAdapter({ connectionString: usersDb.url, max: 4 }) });
  products = new ProductsClient({ adapter: createPgAdapter({ connectionString: productsDb.url, max: 4 }) });
});

afterAll(async () => {
  if (!REAL_POSTGRES) return;
  await users?.$disconnect();
  await products?.$disconnect();
  for (const drop of drops) await drop();
});

const caught = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e,
  );

describe.skipIf(!REAL_POSTGRES)("translatePrismaError", () => {
  it("maps a real unique violation (P2002 via the pg adapter) to its fields", async () => {
    const data = { email: "dup@example.com", name: "Dup", passwordHash: "x" };
    await users.user.create({ data });
    const error = await caught(users.user.create({ data }));
    expect(error).toMatchObject({ code: "P2002" });
    expect(translatePrismaError(error)).toEqual({ kind: "unique", target: ["email"] });
  });

  it("maps a composite unique index to all of its fields", async () => {
    const product = await products.product.create({
      data: { slug: "mug", title: "Mug", description: "A mug", priceMinor: 1299n, stock: 5 },
    });
    const reservation = {
      orderId: crypto.randomUUID(),
      productId: product.id,
      quantity: 1,
      expiresAt: new Date(Date.now() + 60_000),
    };
    await products.stockReservation.create({ data: reservation });
    const error = await caught(products.stockReservation.create({ data: reservation }));
    expect(translatePrismaError(error)).toEqual({ kind: "unique", target: ["orderId", "productId"] });
  });

  it("maps a unique violation from a raw query (P2010)", async () => {
    const insert = () =>
      users.$executeRaw`INSERT INTO "User" (id, email, name, "passwordHash") VALUES (gen_random_uuid(), 'raw@example.com', 'Raw', 'x')`;
    await insert();
    const error = await caught(insert());
    expect(error).toMatchObject({ code: "P2010" });
    expect(translatePrismaError(error)).toEqual({ kind: "unique", target: ["email"] });
  });

  it("maps a missing record (P2025) to not_found", async () => {
    const error = await caught(users.user.update({ where: { email: "nobody@example.com" }, data: { name: "x" } }));
    expect(error).toMatchObject({ code: "P2025" });
    expect(translatePrismaError(error)).toEqual({ kind: "not_found" });
  });

  it("maps a serialization failure between two serializable transactions to conflict", async () => {
    // Write skew: both transactions read the admins, then both insert one; SSI aborts one of them,
    // at COMMIT, where Prisma 7 rethrows the adapter's DriverAdapterError instead of a P2034.
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const attempt = (email: string) =>
      users.$transaction(
        async (tx) => {
          await tx.user.count({ where: { role: "ADMIN" } });
          if (++reads === 2) release();
          await bothRead;
          await tx.user.create({ data: { email, name: "Admin", role: "ADMIN", passwordHash: "x" } });
        },
        { isolationLevel: "Serializable", timeout: 10_000 },
      );
    const results = await Promise.allSettled([attempt("a1@example.com"), attempt("a2@example.com")]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(translatePrismaError(rejected[0]?.reason)).toEqual({ kind: "conflict" });
  });

  it("maps plain pg errors too, for code that bypasses Prisma", async () => {
    const client = new pg.Client({ connectionString: usersUrl });
    await client.connect();
    try {
      const error = await caught(
        client.query(
          `INSERT INTO "User" (id, email, name, "passwordHash") VALUES (gen_random_uuid(), 'dup@example.com', 'D', 'x')`,
        ),
      );
      expect(translatePrismaError(error)).toEqual({ kind: "unique", target: ["email"] });
    } finally {
      await client.end();
    }
  });

  it("returns undefined for anything else", () => {
    expect(translatePrismaError(new Error("boom"))).toBeUndefined();
    expect(translatePrismaError({ code: "P2003", meta: {} })).toBeUndefined();
    expect(translatePrismaError(undefined)).toBeUndefined();
    expect(translatePrismaError("P2002")).toBeUndefined();
    // The shape older engines produced is still understood.
    expect(translatePrismaError({ code: "P2002", meta: { target: ["slug"] } })).toEqual({
      kind: "unique",
      target: ["slug"],
    });
    expect(translatePrismaError({ code: "P2034" })).toEqual({ kind: "conflict" });
  });
});
