/**
 * GraphQL Hive Gateway from npm, programmatic runtime over the same supergraph file, default
 * options except: the Authorization header is forwarded to subgraphs and the gateway's credential
 * (GATEWAY_TOKEN, which Shopgraph's subgraphs require) is added to every fetch (propagateHeaders), logs
 * at warn, and — Hive has no APQ registration built in — the bench's persisted query is served
 * as a persisted document looked up by the same sha256 hash (arbitrary documents stay allowed).
 * Its HTTP transport shares one in-flight request between identical subgraph queries by default;
 * DEDUP_INFLIGHT=false turns that off for the caching-off comparison.
 * HIVE_PLANNER=router-runtime swaps the JavaScript planner/executor for `@graphql-hive/router-runtime`
 * (`unifiedGraphHandler`: the Rust query planner compiled to wasm/napi, its own plan executor).
 * Env: PORT, HOST, SUPERGRAPH_PATH, GATEWAY_TOKEN, PERSISTED_DOCUMENTS_PATH (JSON: hash → query), DEDUP_INFLIGHT, HIVE_PLANNER.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";

const documentsPath = process.env.PERSISTED_DOCUMENTS_PATH ?? "";
const documents: Record<string, string> = existsSync(documentsPath)
  ? (JSON.parse(readFileSync(documentsPath, "utf8")) as Record<string, string>)
  : {};

const gateway = createGatewayRuntime({
  supergraph: readFileSync(process.env.SUPERGRAPH_PATH ?? "", "utf8"),
  logging: "warn",
  ...(process.env.HIVE_PLANNER === "router-runtime" ? { unifiedGraphHandler } : {}),
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: process.env.DEDUP_INFLIGHT !== "false" } } },
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get("authorization"),
      "x-service-token": process.env.GATEWAY_TOKEN ?? "",
    }),
  },
  persistedDocuments: {
    getPersistedOperation: (key: string) => documents[key] ?? null,
    allowArbitraryDocuments: true,
  },
});
// The runtime is a WHATWG-style request handler that node:http accepts directly.
const server = createServer(gateway);
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1", () => {
  process.stdout.write(`hive gateway ready on ${JSON.stringify(server.address())}\n`);
});

const stop = () => {
  server.close();
  void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
