import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

// Kubernetes mounts the supergraph from a ConfigMap and swaps it under a running gateway.
const committed = await readFile(fileURLToPath(new URL("../../../schema/supergraph.graphql", import.meta.url)), "utf8");
const CATEGORIES_FIELD = /^ {2}categories: \[Category!\]! @join__field\(graph: PRODUCTS\)\n/m;
// The "old" supergraph: the committed one without Query.categories, which the products subgraph already serves.
const withoutCategories = committed.replace(CATEGORIES_FIELD, "");

let stack: Stack;
let dir: string;
let path: string;

/** Replaces the file the way the kubelet does: a complete new file renamed over the old one. */
async function publish(sdl: string): Promise<void> {
  await writeFile(`${path}.next`, sdl);
  await rename(`${path}.next`, path);
}

beforeAll(async () => {
  expect(withoutCategories).not.toBe(committed);
  dir = await mkdtemp(join(tmpdir(), "sgt-supergraph-"));
  path = join(dir, "supergraph.graphql");
  await writeFile(path, withoutCategories);
  stack = await startStack({
    gatewayEnv: { SUPERGRAPH_PATH: path, SUPERGRAPH_POLL_MS: "50", RATE_LIMIT_ENABLED: "false" },
  });
});
afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("supergraph hot reload", () => {
  it("swaps in a new supergraph under load: no request fails, the new field appears, a broken file is ignored", async () => {
    const before = await gql(stack.url, "{ categories { name } }");
    expect(before.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");

    let stop = false;
    const outcomes = { ok: 0, failed: [] as unknown[] };
    const worker = async () => {
      while (!stop) {
        const res = await gql(stack.url, "{ products(first: 2) { edges { node { title } } } }").catch(
          (error: unknown) => ({ status: 0, data: undefined, errors: [error] }),
        );
        if (res.status === 200 && !res.errors && res.data?.products.edges.length === 2) outcomes.ok += 1;
        else outcomes.failed.push(res.errors ?? res.status);
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));

    await new Promise((r) => setTimeout(r, 300));
    await publish(committed);
    const deadline = Date.now() + 10_000;
    let after = await gql(stack.url, "{ categories { name } }");
    while (after.errors && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await gql(stack.url, "{ categories { name } }");
    }
    expect(after.errors).toBeUndefined();
    expect(after.data?.categories.length).toBeGreaterThan(0);

    // Not a supergraph at all: the gateway logs it and keeps serving the last good one.
    await publish("type Query { broken: String }");
    await new Promise((r) => setTimeout(r, 400));
    expect((await gql(stack.url, "{ categories { name } }")).errors).toBeUndefined();

    stop = true;
    await load;
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(20);
  });
});
