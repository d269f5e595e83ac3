import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProductsHttpClient } from "../src/clients/products-http-client.ts";
import { ProductsUnavailableError } from "../src/domain/products-client.ts";

/** What the stand-in products endpoint answers next (status and JSON body), or "hang". */
let answer: { status: number; body: unknown } | "hang" = { status: 200, body: {} };
const received: { headers: IncomingMessage["headers"]; body: { query: string; variables: Record<string, unknown> } }[] =
  [];
let server: Server;
let url: string;

beforeAll(async () => {
  // A stand-in for products' HTTP endpoint: the point is the client's wire behaviour.
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(raw) });
      if (answer === "hang") return;
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (timeoutMs = 2_000) => createProductsHttpClient({ url, serviceToken: "s".repeat(40), timeoutMs });
const ok = (data: unknown) => ({ status: 200, body: { data } });

describe("products HTTP client", () => {
  it("snapshots products through _entities with the service token; unknown ids are simply absent", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    answer = ok({
      _entities: [{ id: a, title: "Lamp", archived: false, price: { amount: "19.99", currencyCode: "EUR" } }, null],
    });
    const snapshots = await client().getProducts([a, b]);
    expect([...snapshots.values()]).toEqual([
      { id: a, title: "Lamp", archived: false, priceMinor: 1999n, currencyCode: "EUR" },
    ]);
    const last = received.at(-1)!;
    expect(last.headers["x-service-token"]).toBe("s".repeat(40));
    expect(last.body.query).toContain("_entities(representations: $r)");
    expect(last.body.variables).toEqual({
      r: [
        { __typename: "Product", id: a },
        { __typename: "Product", id: b },
      ],
    });
  });

  it("reserves stock and maps products' userErrors to the failing line", async () => {
    answer = ok({
      reserveStock: {
        ok: false,
        userErrors: [{ code: "OUT_OF_STOCK", field: ["lines", "1"], message: "Only 2 left" }],
      },
    });
    const lines = [
      { productId: randomUUID(), quantity: 1 },
      { productId: randomUUID(), quantity: 5 },
    ];
    expect(await client().reserveStock("order-1", lines)).toEqual({
      ok: false,
      errors: [{ code: "OUT_OF_STOCK", message: "Only 2 left", lineIndex: 1 }],
    });
    expect(received.at(-1)!.body.variables).toEqual({ orderId: "order-1", lines });
    answer = ok({ commitStock: { ok: true, userErrors: [] } });
    expect(await client().commitStock("order-1")).toEqual({ ok: true });
    answer = ok({ releaseStock: { ok: true, userErrors: [] } });
    expect(await client().releaseStock("order-1")).toEqual({ ok: true });
    expect(received.at(-1)!.body.query).toContain("releaseStock(orderId: $orderId)");
  });

  it.each([
    [
      "a GraphQL error (e.g. a refused service token)",
      {
        status: 200,
        body: {
          errors: [{ message: "Service credential required", extensions: { code: "FORBIDDEN" } }],
          data: { reserveStock: null },
        },
      },
    ],
    ["an HTTP 503", { status: 503, body: { errors: [{ message: "draining" }] } }],
    ["a payload without the field", ok({})],
    [
      "a price products should never send",
      ok({ _entities: [{ id: "x", title: "t", archived: false, price: { amount: "1.5", currencyCode: "USD" } }] }),
    ],
  ])("treats %s as an outage (unknown outcome), never as a refusal", async (_name, response) => {
    answer = response;
    const call = _name.includes("price")
      ? client().getProducts(["x"])
      : client().reserveStock("o", [{ productId: "p", quantity: 1 }]);
    await expect(call).rejects.toBeInstanceOf(ProductsUnavailableError);
  });

  it("gives up at its deadline, and when nothing listens", async () => {
    answer = "hang";
    await expect(client(100).commitStock("o")).rejects.toBeInstanceOf(ProductsUnavailableError);
    const nobody = createProductsHttpClient({ url: "http://127.0.0.1:1/graphql", serviceToken: "s".repeat(40) });
    await expect(nobody.releaseStock("o")).rejects.toBeInstanceOf(ProductsUnavailableError);
  });
});
