import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { BREAK, Kind, visit, type DocumentNode } from "graphql";
import { codedError, ErrorCode } from "@shopgraph/errors";

/**
 * Why a string cannot go further: PostgreSQL refuses NUL in text ("invalid byte sequence") and an
 * unpaired surrogate is not valid UTF-8, so either one became INTERNAL_SERVER_ERROR deep in a
 * resolver. Returns the reason, or undefined for a string that is fine.
 */
export function unsafeStringReason(value: string): string | undefined {
  if (value.includes("\u0000")) return "contains a NUL character";
  if (!value.isWellFormed()) return "contains an unpaired UTF-16 surrogate";
  return undefined;
}

// Variables are JSON from the client: bounded here so a deeply nested value cannot exhaust the stack.
const MAX_VARIABLE_DEPTH = 64;

/**
 * Whether any string (key or value) inside a variables value is unsafe: the walk every request
 * pays, without the path arrays {@link pathToUnsafeVariable} builds. An entity fetch carries
 * hundreds of representations; copying the path at every level was ~3 % of the products
 * subgraph's CPU on the heavy query (#16 §3).
 */
function hasUnsafeVariable(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return unsafeStringReason(value) !== undefined;
  if (value === null || typeof value !== "object" || depth > MAX_VARIABLE_DEPTH) return false;
  if (Array.isArray(value)) return value.some((inner) => hasUnsafeVariable(inner, depth + 1));
  for (const key of Object.keys(value)) {
    if (unsafeStringReason(key) || hasUnsafeVariable((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** The first unsafe string inside a variables value, with its path (only walked once one is known to exist). */
function findUnsafeVariable(value: unknown, path: string[] = []): { path: string[]; reason: string } | undefined {
  return hasUnsafeVariable(value) ? pathToUnsafeVariable(value, path) : undefined;
}

function pathToUnsafeVariable(
  value: unknown,
  path: string[],
  depth = 0,
): { path: string[]; reason: string } | undefined {
  if (typeof value === "string") {
    const reason = unsafeStringReason(value);
    return reason ? { path, reason } : undefined;
  }
  if (value === null || typeof value !== "object" || depth > MAX_VARIABLE_DEPTH) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const keyReason = unsafeStringReason(key);
    if (keyReason) return { path: [...path, "(key)"], reason: keyReason };
    const found = pathToUnsafeVariable(inner, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

// Apollo Server hands the same DocumentNode to every request with the same query text (its parsed
// document cache), so each document is walked once: that walk was ~5 % of the gateway's CPU on the
// heavy query (#16). Unsafe documents are kept too (each of their requests is refused the same way).
const literalVerdicts = new WeakMap<DocumentNode, string | null>();

/** The first unsafe inline string literal (arguments, input objects, lists) in the document. */
function findUnsafeLiteral(document: DocumentNode): string | undefined {
  const known = literalVerdicts.get(document);
  if (known !== undefined) return known ?? undefined;
  const reason = walkForUnsafeLiteral(document);
  literalVerdicts.set(document, reason ?? null);
  return reason;
}

function walkForUnsafeLiteral(document: DocumentNode): string | undefined {
  let reason: string | undefined;
  visit(document, {
    StringValue(node) {
      reason = unsafeStringReason(node.value);
      if (reason) return BREAK;
      return undefined;
    },
  });
  return reason;
}

const badInput = (message: string, field?: string[]) =>
  codedError(ErrorCode.BAD_USER_INPUT, message, { status: 400, ...(field ? { field } : {}) });

/**
 * Refuses client input that would otherwise end as a server error, on the gateway and on every
 * subgraph: NUL bytes and unpaired surrogates in any string (variables or inline literals) are
 * 400 BAD_USER_INPUT before a resolver (or PostgreSQL) sees them, and a document with several
 * operations but no `operationName` is 400 OPERATION_RESOLUTION_FAILURE (graphql-js would fail
 * it at execution, which the gateway answered with 500).
 */
export function clientInputPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) {
            const count = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
            throw codedError(
              ErrorCode.OPERATION_RESOLUTION_FAILURE,
              request.operationName
                ? `Unknown operation named "${request.operationName}"`
                : `The document has ${count} operations: send operationName to choose one`,
              { status: 400 },
            );
          }
          const variable = findUnsafeVariable(request.variables ?? {}, []);
          if (variable) throw badInput(`Variable "$${variable.path.join(".")}" ${variable.reason}`, variable.path);
          const literal = findUnsafeLiteral(document);
          if (literal) throw badInput(`A string argument ${literal}`);
        },
      };
    },
  };
}
