import { AsyncLocalStorage } from "node:async_hooks";
import type { DocumentNode } from "graphql";

/** The kind of the subgraph operation being fetched, as the query plan built it. */
export type OperationKind = "query" | "mutation" | "subscription";

// The fetcher only sees (url, init); the plan's operation document is known one layer up, in the
// data source. This carries its kind down the same async call, so retry and dedup decisions come
// from the plan and never from pattern-matching the JSON body.
const current = new AsyncLocalStorage<OperationKind>();

/** Runs `fn` with the plan's operation kind visible to the subgraph fetcher. */
export function withOperationKind<T>(kind: OperationKind | undefined, fn: () => T): T {
  return kind ? current.run(kind, fn) : fn();
}

/** The operation kind of the fetch in progress; undefined when unknown (treated as unsafe to resend). */
export function currentOperationKind(): OperationKind | undefined {
  return current.getStore();
}

/** The kind of the (single) operation in a plan's fetch document. */
export function operationKindOf(document: DocumentNode | undefined): OperationKind | undefined {
  for (const definition of document?.definitions ?? []) {
    // graphql-js models the kind as a string enum whose values are exactly these three.
    if (definition.kind === "OperationDefinition") return definition.operation;
  }
  return undefined;
}
