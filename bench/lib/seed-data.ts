import { randomBytes, randomUUID } from "node:crypto";
import { seedProducts, seedUsers } from "@shopgraph/fixtures";
import { CREDENTIAL_HEADERS } from "./credentials.ts";
import type { BenchSigner } from "./tokens.ts";

/** A user the bench can act as. */
export interface BenchUser {
  id: string;
  role: "ADMIN" | "CUSTOMER";
}

interface GqlBody<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs one operation straight to a subgraph; throws on any GraphQL error. */
export async function post<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...CREDENTIAL_HEADERS,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlBody<T>;
  if (!res.ok || body.errors?.length || !body.data)
    throw new Error(`${url}: ${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 400)}`);
  return body.data;
}

/** Runs `task(i)` for i < count with `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { session { user { id } } userErrors { code message } } }`;

/**
 * Registers customers through the users subgraph's own mutation (argon2id hashing, outbox event
 * and all), so fan-out and per-user scenarios have real users behind every id.
 */
export async function registerUsers(usersUrl: string, count: number): Promise<BenchUser[]> {
  const run = randomBytes(3).toString("hex");
  const users: BenchUser[] = [];
  await pool(count, 4, async (i) => {
    const data = await post<{ register: { session: { user: { id: string } } | null; userErrors: { code: string }[] } }>(
      usersUrl,
      REGISTER,
      {
        input: { email: `bench-${run}-${i}@example.com`, password: "bench-password-123", name: `Bench Customer ${i}` },
      },
    );
    if (!data.register.session) throw new Error(`register: ${JSON.stringify(data.register.userErrors)}`);
    users.push({ id: data.register.session.user.id, role: "CUSTOMER" });
  });
  return users;
}

/** The seeded admin (its id is shared by every subgraph's seed). */
export const seededAdmin: BenchUser = { id: seedUsers[0]!.id, role: "ADMIN" };
/** The seeded customers. */
export const seededCustomers: BenchUser[] = seedUsers
  .filter((u) => u.role === "CUSTOMER")
  .map((u) => ({ id: u.id, role: "CUSTOMER" }));

/** Products that can take many single-unit orders. */
export const orderableProducts = seedProducts.filter((p) => !p.archived && p.stock >= 100).map((p) => p.id);

/** The checkout mutation as clients send it. */
export const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { id number status } userErrors { code message } }
}`;

/** Lines per order: 3 to 5, so the heavy query's 100 newest orders weigh about the same whoever placed them. */
export const orderLines = (i: number) => 3 + (i % 3);

/** Variables of one placeOrder: `lines` distinct products, one unit each, a card that succeeds. */
export function placeOrderVariables(i: number, lines: number): Record<string, unknown> {
  return {
    key: randomUUID(),
    input: {
      lines: Array.from({ length: lines }, (_, k) => ({
        productId: orderableProducts[(i * 7 + k * 13) % orderableProducts.length],
        quantity: 1,
      })),
      shippingAddress: {
        name: "Bench Customer",
        line1: "1 Load Street",
        city: "Berlin",
        postalCode: "10115",
        country: "DE",
      },
      paymentToken: "tok_visa",
    },
  };
}

/**
 * Places orders through the orders subgraph (the real saga: price snapshots, stock reservation
 * in products, simulated payment, outbox events that notifications turns into notifications).
 */
export async function placeOrders(
  ordersUrl: string,
  signer: BenchSigner,
  customers: readonly BenchUser[],
  count: number,
): Promise<void> {
  await pool(count, 4, async (i) => {
    const customer = customers[i % customers.length]!;
    const data = await post<{ placeOrder: { order: { status: string } | null; userErrors: { code: string }[] } }>(
      ordersUrl,
      PLACE_ORDER,
      placeOrderVariables(i, orderLines(i)),
      await signer.sign(customer.id, customer.role),
    );
    if (!data.placeOrder.order) throw new Error(`placeOrder: ${JSON.stringify(data.placeOrder.userErrors)}`);
  });
}
