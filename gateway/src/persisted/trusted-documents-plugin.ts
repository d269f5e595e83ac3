import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { codedError, ErrorCode } from "@shopgraph/errors";
import type { DocumentNode } from "graphql";
import { createTrustedDocumentMatcher, type TrustedOperation } from "./manifest.ts";

/** off: anything runs; audit: anything runs, unknown operations are logged and counted; enforce: manifest only. */
export type TrustedDocumentsMode = "off" | "audit" | "enforce";

/** Options for {@link trustedDocumentsPlugin}. */
export interface TrustedDocumentsOptions {
  operations: ReadonlyMap<string, TrustedOperation>;
  /** Mode for clients without an override. Default "off". */
  defaultMode: TrustedDocumentsMode;
  /** Per-client modes keyed by the `apollographql-client-name` header, e.g. { "shopgraph-ios": "enforce" }. */
  clientModes: Readonly<Record<string, TrustedDocumentsMode>>;
  /** Receives every unknown operation seen in audit or enforce mode. */
  onUnknown?: (info: { clientName: string; mode: TrustedDocumentsMode; id: string }) => void;
  /** Called for every request that named a trusted operation by id (metrics). */
  onTrusted?: () => void;
  /** Finds the manifest operation a differently formatted full-text document is. Default: canonical ids (manifest.ts). */
  matchDocument?: (document: DocumentNode) => TrustedOperation | undefined;
}

/** What the plugin reads from the context. */
export interface TrustedDocumentsContext extends BaseContext {
  logger: { warn: (obj: object, msg: string) => void };
}

/**
 * Trusted documents (persisted query lists) for first-party apps. A client may send only the id
 * (`extensions.persistedQuery.sha256Hash`); the body then comes from the manifest. Enforcement
 * is per client name so web can stay open while mobile is locked; the header is client-supplied,
 * so a full lock-down means setting the default mode to enforce.
 */
export function trustedDocumentsPlugin<C extends TrustedDocumentsContext>(
  options: TrustedDocumentsOptions,
): ApolloServerPlugin<C> {
  const matchDocument = options.matchDocument ?? createTrustedDocumentMatcher(options.operations);
  return {
    async requestDidStart({ request }) {
      const clientName = request.http?.headers.get("apollographql-client-name") ?? "";
      const mode = options.clientModes[clientName] ?? options.defaultMode;
      const hash = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
      const trusted = typeof hash === "string" ? options.operations.get(hash) : undefined;
      // Runs before Apollo's APQ step, so an id-only request for a trusted operation never misses.
      if (trusted && request.query === undefined) request.query = trusted.body;
      if (trusted) options.onTrusted?.();
      if (mode === "off") return;
      return {
        // Checked once the source is known (queryHash is the sha256 of the body, as in manifests);
        // errors thrown here become a coded 400 before planning, so nothing reaches a subgraph.
        async didResolveOperation({ queryHash, document, contextValue }) {
          if (options.operations.has(queryHash) || matchDocument(document)) return;
          // The gateway's own per-event query of a live subscription, which was checked itself at admission.
          if ((contextValue as { live?: { mode: string } }).live?.mode === "event") return;
          options.onUnknown?.({ clientName, mode, id: queryHash });
          if (mode === "audit") {
            contextValue.logger.warn(
              { clientName, operationId: queryHash },
              "operation not in the trusted documents list",
            );
            return;
          }
          throw codedError(
            ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
            "This client may only run trusted (persisted) operations",
            { status: 400 },
          );
        },
      };
    },
  };
}
