import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { parse, type DocumentNode } from "graphql";
import { ErrorCode } from "@shopgraph/errors";
import type { GatewayContext } from "../context.ts";
import { operationKindOf, withOperationKind } from "./operation-kind.ts";
import { SubgraphDataSource, type DirectFetch, type SubgraphResponse } from "./subgraph-data-source.ts";
import { unavailablePaths } from "./unavailable-paths.ts";

/**
 * The subgraph data source the gateway uses: hands the plan's operation kind to the fetcher (it
 * decides retries and dedup from it), and turns an unreachable subgraph into SUBGRAPH_UNAVAILABLE
 * errors at the paths of the fields left null. @apollo/gateway pushes a thrown fetch error
 * without any path; answered as a subgraph response instead, its errors get the client's paths
 * through the gateway's own path mapping (entities included). Both ways in (Apollo's `process`
 * and the engine's `fetchDirect`) answer alike.
 */
export class ResilientDataSource extends SubgraphDataSource {
  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): ReturnType<SubgraphDataSource["process"]> {
    // Only incoming operations carry the plan's fetch document (health checks and schema loads do not).
    const document = "document" in options ? options.document : undefined;
    try {
      return await withOperationKind(operationKindOf(document), () => super.process(options));
    } catch (error) {
      return unavailableAnswer(error, document, options.request.query, options.request.variables);
    }
  }

  override async fetchDirect(
    fetch: DirectFetch,
    context: GatewayContext,
    cachePolicy: unknown,
  ): Promise<SubgraphResponse> {
    try {
      return await super.fetchDirect(fetch, context, cachePolicy);
    } catch (error) {
      return unavailableAnswer(error, fetch.document, fetch.query, fetch.variables);
    }
  }
}

/** SUBGRAPH_UNAVAILABLE at the paths the failed fetch leaves null; any other error is rethrown. */
function unavailableAnswer(
  error: unknown,
  document: DocumentNode | undefined,
  query: string | undefined,
  variables: Record<string, unknown> | undefined,
): SubgraphResponse {
  // Duck-typed: a CJS and an ESM copy of graphql can both be loaded, defeating instanceof.
  if ((error as { extensions?: { code?: unknown } }).extensions?.code !== ErrorCode.SUBGRAPH_UNAVAILABLE) throw error;
  const paths = unavailablePaths(document ?? parseQuietly(query), variables);
  if (paths.length === 0) throw error;
  const message = (error as Error).message;
  return {
    errors: paths.map((path) => ({
      message,
      path,
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, retryable: true },
    })),
  };
}

/** The fetch's own operation text, parsed only on this failure path (the plan normally carries it). */
function parseQuietly(query: string | undefined): DocumentNode | undefined {
  try {
    return query ? parse(query) : undefined;
  } catch {
    return undefined;
  }
}
