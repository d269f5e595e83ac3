import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import {
  createPersistedQueryManifestVerificationLink,
  generatePersistedQueryIdsAtRuntime,
} from "@apollo/persisted-query-lists";
import { parse, type DocumentNode } from "graphql";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../compose.ts";
import { assertValidOperations, generateManifest, MANIFEST_FILE, manifestText } from "../generate-manifest.ts";

interface ManifestOperation {
  id: string;
  name: string;
  type: "query" | "mutation" | "subscription";
  body: string;
}
const committed = readFileSync(join(REPO_ROOT, MANIFEST_FILE), "utf8");
const manifest = JSON.parse(committed) as { format: string; version: number; operations: ManifestOperation[] };
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const OPERATIONS_DIR = join(REPO_ROOT, "schema/persisted-queries/operations");
/** The repo's operations as an app holds them: the raw .graphql files, untransformed. */
const sources: DocumentNode[] = readdirSync(OPERATIONS_DIR)
  .filter((file) => file.endsWith(".graphql"))
  .map((file) => parse(readFileSync(join(OPERATIONS_DIR, file), "utf8")));

/**
 * @apollo/persisted-query-lists is CommonJS and types its links with Apollo Client's CJS build; this
 * file imports the ESM build. Same class at runtime, two declarations to tsc.
 */
const asLink = (link: unknown) => link as ApolloLink;

/** What Apollo Client 4 puts on the wire for each operation, captured by HttpLink's own fetch. */
async function sentByApolloClient(prefix?: ApolloLink): Promise<Map<string, { hash?: string; query?: string }>> {
  const sent = new Map<string, { hash?: string; query?: string }>();
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as {
      operationName: string;
      query?: string;
      extensions?: { persistedQuery?: { sha256Hash: string } };
    };
    sent.set(body.operationName, { hash: body.extensions?.persistedQuery?.sha256Hash, query: body.query });
    return new Response(JSON.stringify({ data: null }), { headers: { "content-type": "application/json" } });
  };
  const http = new HttpLink({ uri: "http://apollo-client.test/graphql", fetch });
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: prefix ? ApolloLink.from([prefix, http]) : http,
  });
  for (const document of sources) {
    const op = document.definitions.find((d) => d.kind === "OperationDefinition");
    if (op?.kind !== "OperationDefinition") continue;
    if (op.operation === "mutation") await client.mutate({ mutation: document, fetchPolicy: "no-cache" });
    else await client.query({ query: document, fetchPolicy: "no-cache" });
  }
  return sent;
}

describe("trusted-documents manifest", () => {
  it("is current: @apollo/generate-persisted-query-manifest over the operations folder writes the committed bytes", async () => {
    expect(await generateManifest(), "run `pnpm manifest`").toBe(committed);
  });

  it("has one operation per file with unique names, __typename in every body, and ids that are sha256(body)", () => {
    expect(manifest.format).toBe("apollo-persisted-query-manifest");
    expect(manifest.operations.map((op) => op.name).sort()).toEqual(
      readdirSync(OPERATIONS_DIR)
        .filter((f) => f.endsWith(".graphql"))
        .map((f) => f.replace(/\.graphql$/, ""))
        .sort(),
    );
    for (const op of manifest.operations) {
      expect(op.id).toBe(sha256(op.body));
      expect(op.body).toContain("__typename");
    }
  });

  it("refuses an operation the supergraph's API schema does not have (a stale app cannot be listed)", () => {
    const supergraph = readFileSync(join(REPO_ROOT, "schema/supergraph.graphql"), "utf8");
    const bad = {
      format: "apollo-persisted-query-manifest" as const,
      version: 1 as const,
      operations: [{ id: "x", name: "Bad", type: "query" as const, body: "query Bad { reserveStock }" }],
    };
    expect(() => assertValidOperations(bad, supergraph)).toThrow(/Bad: Cannot query field "reserveStock"/);
    expect(() => assertValidOperations(JSON.parse(manifestText(manifest as never)), supergraph)).not.toThrow();
  });
});

describe("ids computed by Apollo Client 4 match the manifest", () => {
  const byName = new Map(manifest.operations.map((op) => [op.name, op]));

  it("PersistedQueryLink({ sha256 }) (APQ ids: sha256 of the transformed, printed document)", async () => {
    const sent = await sentByApolloClient(new PersistedQueryLink({ sha256 }));
    expect(sent.size).toBe(manifest.operations.length);
    for (const [name, { hash }] of sent) expect(hash, name).toBe(byName.get(name)?.id);
  });

  it("PersistedQueryLink(generatePersistedQueryIdsAtRuntime) (Apollo's persisted-query-lists runtime ids)", async () => {
    const sent = await sentByApolloClient(new PersistedQueryLink(generatePersistedQueryIdsAtRuntime({ sha256 })));
    for (const [name, { hash }] of sent) expect(hash, name).toBe(byName.get(name)?.id);
  });

  it("the manifest verification link reports no mismatch, and the full text Apollo Client sends is the manifest body", async () => {
    const failures: string[] = [];
    const verify = createPersistedQueryManifestVerificationLink({
      loadManifest: () => manifest,
      onVerificationFailed: (d) => failures.push(`${d.operation.operationName}: ${d.reason}`),
    });
    const sent = await sentByApolloClient(asLink(verify));
    expect(failures).toEqual([]);
    for (const [name, { query }] of sent) expect(query, name).toBe(byName.get(name)?.body);
  });

  it("a manifest without __typename (the old one) is reported as mismatching by the same link", async () => {
    const failures: string[] = [];
    const stripped = {
      operations: manifest.operations.map((op) => ({ ...op, body: op.body.replace(/\n\s*__typename/g, "") })),
    };
    await sentByApolloClient(
      asLink(
        createPersistedQueryManifestVerificationLink({
          loadManifest: () => stripped,
          onVerificationFailed: (d) => failures.push(d.reason),
        }),
      ),
    );
    expect(failures).toHaveLength(manifest.operations.length);
    expect(new Set(failures)).toEqual(new Set(["OperationMismatch"]));
  });
});
