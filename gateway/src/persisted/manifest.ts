import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse, print, type DefinitionNode, type DocumentNode, type OperationDefinitionNode } from "graphql";

/** One trusted operation from a persisted-query manifest. */
export interface TrustedOperation {
  id: string;
  name: string;
  type: "query" | "mutation" | "subscription";
  body: string;
}

/**
 * Apollo's persisted query manifest format: what @apollo/generate-persisted-query-manifest (web),
 * Apollo iOS (`operationManifest.version: .persistedQueries`) and Apollo Kotlin
 * (`operationManifestFormat = "persistedQueryManifest"`) write.
 */
export interface PersistedQueryManifest {
  format: "apollo-persisted-query-manifest";
  version: 1;
  operations: TrustedOperation[];
}

/**
 * The older id-keyed map `{ "<id>": { name, source } }`: Apollo iOS' `.legacy` operation manifest
 * and Apollo Kotlin's `operationOutput.json` (`operationManifestFormat = "operationOutput"`).
 */
export type LegacyOperationManifest = Record<string, { name: string; source: string }>;

/** The SHA-256 (hex) of an operation body: its id in manifests and in APQ. */
export const operationId = (body: string): string => createHash("sha256").update(body).digest("hex");

function operationOf(document: DocumentNode, source: string, name: string): OperationDefinitionNode {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length !== 1 || !ops[0]) throw new Error(`${source}: operation ${name} must hold exactly one operation`);
  return ops[0];
}

/**
 * Top-level definitions in the order Apollo's `sortTopLevelDefinitions` (@apollo/persisted-query-lists)
 * puts them: by kind descending (operations before fragments), then by name. Reimplemented (a dozen
 * lines) so the gateway's runtime does not load Apollo Client, which that package is built on.
 */
function sortTopLevelDefinitions(document: DocumentNode): DocumentNode {
  const nameOf = (d: DefinitionNode) =>
    d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION ? (d.name?.value ?? "") : "";
  const definitions = [...document.definitions].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind > b.kind ? -1 : 1;
    const [x, y] = [nameOf(a), nameOf(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { ...document, definitions };
}

/**
 * The id of a document's canonical text (printed, top-level definitions sorted): two texts that
 * parse to the same operation — other whitespace, commas, fragment order — share it.
 */
export const canonicalOperationId = (document: DocumentNode): string =>
  operationId(print(sortTopLevelDefinitions(document)));

/** Validates a parsed manifest in either format; every id must be the sha256 of its body. */
export function validateManifest(value: unknown, source: string): PersistedQueryManifest {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${source}: not a persisted query manifest (want a JSON object)`);
  const candidate = value as Partial<PersistedQueryManifest>;
  let operations: TrustedOperation[];
  if ("format" in candidate || "operations" in candidate) {
    if (
      candidate.format !== "apollo-persisted-query-manifest" ||
      candidate.version !== 1 ||
      !Array.isArray(candidate.operations)
    ) {
      throw new Error(`${source}: not an apollo-persisted-query-manifest version 1`);
    }
    operations = candidate.operations;
  } else {
    operations = Object.entries(value as LegacyOperationManifest).map(([id, entry]) => {
      if (typeof entry?.source !== "string" || typeof entry.name !== "string")
        throw new Error(`${source}: entry ${id} needs a name and a source`);
      const op = operationOf(parse(entry.source), source, entry.name);
      return { id, name: entry.name, type: op.operation, body: entry.source };
    });
  }
  for (const op of operations) {
    if (typeof op?.body !== "string" || op.id !== operationId(op.body)) {
      throw new Error(
        `${source}: operation ${op?.name ?? "?"} has an id that is not the sha256 of its body (custom operation ids are not supported)`,
      );
    }
  }
  return { format: "apollo-persisted-query-manifest", version: 1, operations };
}

/** Manifest files behind a path: the file itself, or every `.json` file in a folder (sorted). */
function manifestFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => join(path, file));
}

/**
 * Loads manifest files and folders of them (one per app and version, in either format) into a
 * single id → operation map. Old app versions stay trusted as long as their file is listed.
 */
export function loadManifests(paths: readonly string[]): Map<string, TrustedOperation> {
  const operations = new Map<string, TrustedOperation>();
  for (const path of paths.flatMap(manifestFiles)) {
    for (const op of validateManifest(JSON.parse(readFileSync(path, "utf8")), path).operations)
      operations.set(op.id, op);
  }
  return operations;
}

/**
 * Finds the trusted operation a full-text document is, whatever its formatting: an index of the
 * manifests' canonical ids, built once. Used when the sha256 of the sent text matches no id.
 */
export function createTrustedDocumentMatcher(
  operations: ReadonlyMap<string, TrustedOperation>,
): (document: DocumentNode) => TrustedOperation | undefined {
  const byCanonicalId = new Map<string, TrustedOperation>();
  for (const op of operations.values()) byCanonicalId.set(canonicalOperationId(parse(op.body)), op);
  return (document) => byCanonicalId.get(canonicalOperationId(document));
}
