/**
 * Preloaded (`node --import`) into each subgraph process the bench starts. It counts, without
 * touching subgraph code: HTTP requests to /graphql (split by whether they carry the service
 * credential, i.e. subgraph-to-subgraph calls; the gateway's credential is another secret) via Node's `http.server.request.start` diagnostics
 * channel, and SQL statements by wrapping `pg.Client#query` — the pg module Prisma's driver
 * adapter uses, so every Prisma statement, transaction control included, is one count. The bench
 * reads the counters over the IPC channel ({ type: "counters" } → reply). It can also record a
 * CPU profile of a chosen window (profile-start / profile-stop with a file path) through the
 * inspector, so a subgraph's profile shows the load and not its start-up.
 */
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";

/** `sqlInRequest`: statements sent while a /graphql request was being handled (excludes pollers when idle). */
const counters = { requests: 0, serviceRequests: 0, sql: 0, sqlInRequest: 0 };
// Every caller sends x-service-token now; only the service credential (this process's SERVICE_TOKEN list) marks a service call.
const serviceTokens = new Set(
  (process.env.SERVICE_TOKEN ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean),
);
let active = 0;

subscribe("http.server.request.start", (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  if (!request.url?.startsWith("/graphql")) return;
  const credential = request.headers["x-service-token"];
  if (typeof credential === "string" && serviceTokens.has(credential)) counters.serviceRequests++;
  else counters.requests++;
  active++;
  response.once("close", () => active--);
});

// The subgraph's entry file is argv[1]; pg is resolved the way its Prisma adapter resolves it.
const fromSubgraph = createRequire(process.argv[1] ?? import.meta.url);
// Subgraphs reach the adapter through @shopgraph/db (their own manifests no longer list it).
const adapterPath = (() => {
  try {
    return fromSubgraph.resolve("@prisma/adapter-pg");
  } catch {
    return createRequire(fromSubgraph.resolve("@shopgraph/db")).resolve("@prisma/adapter-pg");
  }
})();
const fromAdapter = createRequire(adapterPath);
const pg = fromAdapter("pg") as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
  counters.sql++;
  if (active > 0) counters.sqlInRequest++;
  return query.apply(this, args);
};

let session: Session | undefined;

async function handle(message: { type?: string; path?: string }): Promise<void> {
  if (message?.type === "counters") process.send?.({ type: "counters", counters: { ...counters } });
  if (message?.type === "profile-start") {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    process.send?.({ type: "profile-started" });
  }
  if (message?.type === "profile-stop" && session && message.path) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(message.path, JSON.stringify(profile));
    session.disconnect();
    session = undefined;
    process.send?.({ type: "profile-stopped" });
  }
}

process.on("message", (message: { type?: string; path?: string }) => void handle(message));
// The IPC channel must not keep a stopped subgraph alive.
process.channel?.unref();
