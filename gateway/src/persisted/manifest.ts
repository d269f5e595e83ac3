import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** One trusted operation from an Apollo persisted-query manifest. */
export interface TrustedOperation {
  id: string;
  name: string;
  type: "query" | "mutation" | "subscription";
  body: string;
}

/** Apollo's persisted query manifest format (what @apollo/generate-persisted-query-manifest writes). */
export interface PersistedQueryManifest {
  format: "apollo-persisted-query-manifest";
  version: 1;
  operations: TrustedOperation[];
}

/** The SHA-256 (hex) of an operation body: its id in manifests and in APQ. */
export const operationId = (body: string): string => createHash("sha256").update(body).digest("hex");

/** Validates a parsed manifest: format, version, and every id is the hash of its body. */
export function validateManifest(value: unknown, source: string): PersistedQueryManifest {
  const manifest = value as Partial<PersistedQueryManifest>;
  if (manifest?.format !== "apollo-persisted-query-manifest" || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw new Error(`${source}: not an apollo-persisted-query-manifest version 1`);
  }
  for (const op of manifest.operations) {
    if (typeof op?.body !== "string" || op.id !== operationId(op.body)) throw new Error(`${source}: operation ${op?.name ?? "?"} has an id that is not the sha256 of its body`);
  }
  return manifest as PersistedQueryManifest;
}

/** Loads one or more manifest files into a single id → operation map. */
export function loadManifests(paths: readonly string[]): Map<string, TrustedOperation> {
  const operations = new Map<string, TrustedOperation>();
  for (const path of paths) {
    for (const op of validateManifest(JSON.parse(readFileSync(path, "utf8")), path).operations) operations.set(op.id, op);
  }
  return operations;
}
