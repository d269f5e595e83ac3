import { createHash } from "node:crypto";
import { Kind, print, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { authorizeOperation, type AuthorizedOperation } from "./authorize-operation.ts";
import type { AccessSubject } from "./policies.ts";
import { collectAccessRequirements } from "./requirements.ts";

/** An authorization decision for one (document, caller kind), ready to apply to a request. */
export interface AccessDecision extends AuthorizedOperation {
  /** The rewritten document's operation and hash (plan-cache key), set when fields were removed and something is left. */
  operation?: OperationDefinitionNode;
  queryHash?: string;
}

/** Options for {@link createAccessAnalyzer}. */
export interface AccessAnalyzerOptions {
  /** Most cached decisions (documents × caller kinds); the oldest go first. Default 5,000. */
  maxEntries?: number;
}

/**
 * What decides access: a caller's kind, not their identity. Policies read the role, whether the
 * token belongs to an app (first_party) and the scopes; nothing else of the viewer matters, so
 * every first-party CUSTOMER shares one cached decision per document.
 */
export function subjectKey(subject: AccessSubject): string {
  const { viewer } = subject;
  const who = viewer
    ? `${viewer.role}:${viewer.clientId === undefined ? "first" : "app"}:${[...viewer.scopes].sort().join(" ")}`
    : "anonymous";
  return subject.isService ? `service|${who}` : who;
}

/** Analyses operations against one schema's authorization directives; see {@link createAccessAnalyzer}. */
export interface AccessAnalyzer {
  /** The decision for a validated operation; `documentKey` identifies its text (Apollo's queryHash). */
  decide(
    documentKey: string,
    document: DocumentNode,
    operationName: string | null | undefined,
    subject: AccessSubject,
  ): AccessDecision;
  /** Cached decisions right now (tests, metrics). */
  readonly size: number;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Reads `@authenticated`, `@requiresScopes` and `@policy` from a schema (the gateway: the original
 * supergraph; a subgraph: its own schema) and decides, per (document, caller kind), which fields
 * the caller may not have. Decisions are cached (LRU): the walk and the rewritten document's hash
 * are paid once per document and kind of caller, not per request.
 */
export function createAccessAnalyzer(schema: GraphQLSchema, options: AccessAnalyzerOptions = {}): AccessAnalyzer {
  const requirements = collectAccessRequirements(schema);
  const maxEntries = options.maxEntries ?? 5_000;
  const cache = new Map<string, AccessDecision>();
  return {
    get size() {
      return cache.size;
    },
    decide(documentKey, document, operationName, subject) {
      const key = `${documentKey}\u0000${operationName ?? ""}\u0000${subjectKey(subject)}`;
      const hit = cache.get(key);
      if (hit) {
        // Map order is insertion order: re-inserting keeps recently used decisions last.
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const decision: AccessDecision = authorizeOperation({ schema, requirements, document, operationName, subject });
      if (decision.removals.length > 0 && !decision.rejected) {
        decision.operation = decision.document.definitions.find(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
        );
        decision.queryHash = sha256(print(decision.document));
      }
      cache.set(key, decision);
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      return decision;
    },
  };
}
