import { SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import type { CurrencyCode } from "@shopgraph/subgraph-kit";
import {
  ProductsUnavailableError,
  type ProductSnapshot,
  type ProductsClient,
  type StockResult,
} from "../domain/products-client.ts";
import { createPostJson, type PostedAnswer } from "./post-json.ts";

/** Options for {@link createProductsHttpClient}. */
export interface ProductsHttpClientOptions {
  /** Products' own /graphql endpoint (service-only mutations are @inaccessible at the gateway). */
  url: string;
  serviceToken: string;
  /** Per-call deadline; the outcome of a call past it is unknown (stock calls are idempotent). Default 5 000. */
  timeoutMs?: number;
}

const ENTITIES = `query OrdersProductSnapshots($r: [_Any!]!) {
  _entities(representations: $r) { ... on Product { id title archived price { amount currencyCode } } }
}`;
const STOCK_RESULT = "{ ok userErrors { code field message } }";
const RESERVE = `mutation OrdersReserveStock($orderId: ID!, $lines: [StockLineInput!]!) { reserveStock(orderId: $orderId, lines: $lines) ${STOCK_RESULT} }`;
const COMMIT = `mutation OrdersCommitStock($orderId: ID!) { commitStock(orderId: $orderId) ${STOCK_RESULT} }`;
const RELEASE = `mutation OrdersReleaseStock($orderId: ID!) { releaseStock(orderId: $orderId) ${STOCK_RESULT} }`;

interface StockPayload {
  ok: boolean;
  userErrors: { code: string; field?: string[] | null; message: string }[];
}
interface EntityProduct {
  id: string;
  title: string;
  archived: boolean;
  price: { amount: string; currencyCode: string };
}

const CURRENCIES: ReadonlySet<string> = new Set<CurrencyCode>(["USD", "EUR", "GBP"]);
const DECIMAL = /^(\d{1,12})\.(\d{2})$/;

/** "19.99" → 1999n; products always answers two fraction digits. */
function toMinor(amount: string): bigint {
  const match = DECIMAL.exec(amount);
  if (!match?.[1] || !match[2])
    throw new ProductsUnavailableError(`products returned an unparseable price "${amount}"`);
  return BigInt(match[1]) * 100n + BigInt(match[2]);
}

function toStockResult(payload: StockPayload | undefined): StockResult {
  if (!payload || typeof payload.ok !== "boolean")
    throw new ProductsUnavailableError("products returned no stock payload");
  if (payload.ok) return { ok: true };
  // Products names the failing line as ["lines", "<index>"].
  return {
    ok: false,
    errors: payload.userErrors.map((e) => {
      const index = e.field?.[0] === "lines" ? Number(e.field[1]) : Number.NaN;
      return { code: e.code, message: e.message, lineIndex: Number.isInteger(index) ? index : null };
    }),
  };
}

/** The products service over HTTP, authenticated with the service credential. */
export function createProductsHttpClient(options: ProductsHttpClientOptions): ProductsClient {
  const postJson = createPostJson(options.url, options.timeoutMs ?? 5_000);
  const headers = { [SERVICE_TOKEN_HEADER]: options.serviceToken };

  async function post<T>(query: string, variables: Record<string, unknown>, field: string): Promise<T> {
    let response: PostedAnswer;
    try {
      response = await postJson(JSON.stringify({ query, variables }), headers);
    } catch (error) {
      throw new ProductsUnavailableError(`products unreachable (${field}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    let body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch (error) {
      throw new ProductsUnavailableError(`products answered ${response.status} with a non-JSON body (${field})`, {
        cause: error,
      });
    }
    // Any GraphQL error makes the answer untrustworthy: treat it like an outage, never as a "no".
    if (
      response.status < 200 ||
      response.status > 299 ||
      body.errors?.length ||
      !body.data ||
      body.data[field] === undefined
    ) {
      const detail = body.errors?.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("; ") ?? "";
      throw new ProductsUnavailableError(`products failed ${field} (HTTP ${response.status}) ${detail}`.trim());
    }
    return body.data[field] as T;
  }

  return {
    async getProducts(ids) {
      const snapshots = new Map<string, ProductSnapshot>();
      if (ids.length === 0) return snapshots;
      const entities = await post<(EntityProduct | null)[]>(
        ENTITIES,
        { r: ids.map((id) => ({ __typename: "Product", id })) },
        "_entities",
      );
      for (const entity of entities) {
        if (!entity) continue;
        if (!CURRENCIES.has(entity.price.currencyCode))
          throw new ProductsUnavailableError(`products returned unknown currency ${entity.price.currencyCode}`);
        snapshots.set(entity.id, {
          id: entity.id,
          title: entity.title,
          archived: entity.archived,
          priceMinor: toMinor(entity.price.amount),
          currencyCode: entity.price.currencyCode as CurrencyCode,
        });
      }
      return snapshots;
    },
    reserveStock: async (orderId, lines) =>
      toStockResult(
        await post<StockPayload>(
          RESERVE,
          { orderId, lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })) },
          "reserveStock",
        ),
      ),
    commitStock: async (orderId) => toStockResult(await post<StockPayload>(COMMIT, { orderId }, "commitStock")),
    releaseStock: async (orderId) => toStockResult(await post<StockPayload>(RELEASE, { orderId }, "releaseStock")),
  };
}
