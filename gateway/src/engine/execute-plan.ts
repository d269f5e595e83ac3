import type { GraphQLDataSource } from "@apollo/gateway";
import { errorCodeDef, ERRORS, type VariableDefinitions } from "@apollo/federation-internals";
import {
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  type ResponsePath,
} from "@apollo/query-planner";
import { trace } from "@opentelemetry/api";
import { GraphQLError, type GraphQLErrorOptions, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { operationKindOf } from "../subgraphs/operation-kind.ts";
import type { DirectFetch, SubgraphDataSource } from "../subgraphs/subgraph-data-source.ts";
import { applyRewrites, compileRequires, deepMerge, type ExtractRepresentation } from "./merge.ts";

/**
 * Walks a query plan (Sequence, Parallel, Flatten, Fetch, Condition) with @apollo/gateway's
 * execution semantics: fetch variables, representation extraction, merging into one internal
 * tree, and subgraph errors rewritten to the client's paths. Each plan is compiled once into a
 * tree of closures (the representation extractors included) and cached beside the plan.
 */

type Data = Record<string, unknown>;

/** Where in the internal result a plan node works (Apollo's ResultCursor). */
interface Cursor {
  path: ResponsePath;
  data: Data | Data[];
  fullResult: Data;
}

/** The request-side inputs of one plan execution. */
export interface PlanRun {
  /** The request context Apollo Server handed to the executor (passed on to the data sources). */
  requestContext: {
    request: { variables?: Record<string, unknown> };
    context: unknown;
    /** Apollo Server's cache policy of the request (subgraph Cache-Control headers restrict it). */
    overallCachePolicy?: unknown;
    metrics: { nonFtv1ErrorPaths?: { subgraph: string; path: GraphQLFormattedError["path"] }[] };
  };
  serviceMap: Record<string, GraphQLDataSource>;
  /** Errors raised during execution, in Apollo's order (GraphQLErrors, or raw errors of a failed fetch). */
  errors: unknown[];
}

type NodeRunner = (run: PlanRun, cursor: Cursor | undefined) => Promise<void>;

/** What is fixed per fetch node: the request body around its variables, and the operation kind. */
interface CompiledFetch {
  node: FetchNode;
  extract: ExtractRepresentation | undefined;
  /** `{"query":…,"variables":` — the byte layout RemoteGraphQLDataSource sends. */
  bodyPrefix: string;
  /** `,"operationName":…}` or `}`. */
  bodySuffix: string;
  kind: DirectFetch["kind"];
}

const tracer = trace.getTracer("@shopgraph/gateway-engine");
const hasOwn = Object.prototype.hasOwnProperty;

/** Plan features this engine leaves to Apollo's executor. */
export function unsupportedPlanFeature(plan: QueryPlan): string | undefined {
  const visit = (node: PlanNode | undefined): string | undefined => {
    if (!node) return undefined;
    switch (node.kind) {
      case "Sequence":
      case "Parallel":
        for (const child of node.nodes) {
          const found = visit(child);
          if (found) return found;
        }
        return undefined;
      case "Flatten":
        return visit(node.node);
      case "Condition":
        return visit(node.ifClause) ?? visit(node.elseClause);
      case "Fetch":
        return node.contextRewrites?.length ? "@fromContext" : node.hasDefers ? "@defer" : undefined;
      case "Defer":
        return "@defer";
    }
  };
  if (plan.node?.kind === "Subscription") return "subscription";
  return visit(plan.node);
}

/** Compiles a plan into its runner (call only for plans {@link unsupportedPlanFeature} accepts). */
export function compilePlan(
  plan: QueryPlan,
  supergraphSchema: GraphQLSchema,
  variableDefinitions: VariableDefinitions,
): (run: PlanRun, root: Data) => Promise<void> {
  const compileNode = (node: PlanNode): NodeRunner => {
    switch (node.kind) {
      case "Sequence": {
        const children = node.nodes.map(compileNode);
        return async (run, cursor) => {
          if (!cursor) return;
          for (const child of children) await child(run, cursor);
        };
      }
      case "Parallel": {
        const children = node.nodes.map(compileNode);
        return async (run, cursor) => {
          if (!cursor) return;
          await Promise.all(children.map((child) => child(run, cursor)));
        };
      }
      case "Flatten": {
        const child = compileNode(node.node);
        const path = node.path;
        return async (run, cursor) => {
          if (!cursor) return;
          await child(run, moveIntoCursor(cursor, path));
        };
      }
      case "Fetch": {
        const compiled: CompiledFetch = {
          node,
          extract: node.requires ? compileRequires(supergraphSchema, node.requires) : undefined,
          bodyPrefix: `{"query":${JSON.stringify(node.operation)},"variables":`,
          bodySuffix:
            node.operationName === undefined ? "}" : `,"operationName":${JSON.stringify(node.operationName)}}`,
          kind: operationKindOf(node.operationDocumentNode),
        };
        return async (run, cursor) => {
          if (!cursor) return;
          try {
            await executeFetch(run, compiled, cursor, supergraphSchema);
          } catch (error) {
            run.errors.push(error);
          }
        };
      }
      case "Condition": {
        const ifClause = node.ifClause ? compileNode(node.ifClause) : undefined;
        const elseClause = node.elseClause ? compileNode(node.elseClause) : undefined;
        return async (run, cursor) => {
          if (!cursor) return;
          const branch = evaluateCondition(node, variableDefinitions, run.requestContext.request.variables)
            ? ifClause
            : elseClause;
          if (branch) await branch(run, cursor);
        };
      }
      case "Defer":
        throw new Error("@defer plans are executed by Apollo's executor");
    }
  };
  const root = plan.node ? compileNode(plan.node as PlanNode) : undefined;
  return async (run, data) => {
    if (root) await root(run, { path: [], data, fullResult: data });
  };
}

function executeFetch(run: PlanRun, compiled: CompiledFetch, cursor: Cursor, schema: GraphQLSchema): Promise<void> {
  const { node: fetch, extract } = compiled;
  return tracer.startActiveSpan("gateway.fetch", { attributes: { service: fetch.serviceName } }, async (span) => {
    try {
      const service = run.serviceMap[fetch.serviceName];
      if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
      const entities: Data[] = Array.isArray(cursor.data)
        ? cursor.data.filter((e) => e !== null && e !== undefined)
        : [cursor.data];
      if (entities.length < 1) return;

      const variables: Data = {};
      const provided = run.requestContext.request.variables;
      if (fetch.variableUsages && provided) {
        for (const name of fetch.variableUsages)
          if (hasOwn.call(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
      }

      if (!extract) {
        const received = await send(run, compiled, variables, cursor);
        if (received) applyRewrites(schema, fetch.outputRewrites, received);
        for (const entity of entities) deepMerge(entity, received);
        return;
      }

      const representations: Data[] = [];
      const representationToEntity: number[] = [];
      for (let i = 0; i < entities.length; i++) {
        const representation = extract(entities[i]!);
        if (representation && representation.__typename) {
          applyRewrites(schema, fetch.inputRewrites, representation);
          representations.push(representation);
          representationToEntity.push(i);
        }
      }
      if (representations.length < 1) return;
      if ("representations" in variables) throw new Error(`Variables cannot contain key "representations"`);

      const received = await send(run, compiled, { ...variables, representations }, cursor);
      if (!received) return;
      const list = received._entities;
      if (!(list && Array.isArray(list))) throw new Error(`Expected "data._entities" in response to be an array`);
      if (list.length !== representations.length)
        throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
      for (let i = 0; i < list.length; i++) {
        const entity = list[i] as Data | null;
        const existing = entities[representationToEntity[i]!]!;
        if (entity && !entity.__typename) entity.__typename = existing.__typename;
        applyRewrites(schema, fetch.outputRewrites, entity);
        deepMerge(existing, entity);
      }
    } finally {
      span.end();
    }
  });
}

async function send(
  run: PlanRun,
  compiled: CompiledFetch,
  variables: Data,
  cursor: Cursor,
): Promise<Data | null | undefined> {
  const fetch = compiled.node;
  const service = run.serviceMap[fetch.serviceName]!;
  // Shopgraph's own data sources take the prebuilt body; any other data source gets Apollo's call.
  const response =
    typeof (service as Partial<SubgraphDataSource>).fetchDirect === "function"
      ? await (service as SubgraphDataSource).fetchDirect(
          {
            body: compiled.bodyPrefix + JSON.stringify(variables) + compiled.bodySuffix,
            variables,
            document: fetch.operationDocumentNode,
            kind: compiled.kind,
            query: fetch.operation,
          },
          run.requestContext.context as never,
          run.requestContext.overallCachePolicy,
        )
      : await service.process({
          // GraphQLDataSourceRequestKind.INCOMING_OPERATION (the enum is not exported).
          kind: "incoming operation",
          request: { query: fetch.operation, variables, operationName: fetch.operationName },
          incomingRequestContext: run.requestContext as never,
          context: run.requestContext.context as never,
          document: fetch.operationDocumentNode,
          pathInIncomingRequest: cursor.path,
        } as never);
  if (response.errors) {
    const toPath = lazyErrorPaths(fetch, cursor);
    for (const error of response.errors) run.errors.push(downstreamServiceError(error, fetch.serviceName, toPath));
    if (!response.extensions?.ftv1) {
      const paths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
      const metrics = run.requestContext.metrics;
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
      else metrics.nonFtv1ErrorPaths = paths;
    }
  }
  return response.data as Data | null | undefined;
}

type ErrorPath = GraphQLErrorOptions["path"];

/** Apollo's makeLazyErrorPathGenerator: `_entities` indexes mapped to the entities' paths in the response. */
function lazyErrorPaths(fetch: FetchNode, cursor: Cursor): (path: ErrorPath) => ErrorPath {
  let hydrated: ResponsePath[] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === "number") {
      if (!hydrated) {
        hydrated = [];
        hydratePaths([], cursor.path, cursor.fullResult, hydrated);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
  };
}

function hydratePaths(parent: ResponsePath, path: ResponsePath, data: unknown, result: ResponsePath[]): void {
  if (data === null || data === undefined) return;
  const head = path[0];
  if (head === undefined) {
    result.push(parent.slice());
  } else if (head === "@") {
    if (!Array.isArray(data)) throw new Error("expected array when encountering `@`");
    for (let i = 0; i < data.length; i++) {
      parent.push(i);
      hydratePaths(parent, path.slice(1), data[i], result);
      parent.pop();
    }
  } else if (typeof head === "string") {
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) {
        parent.push(i);
        hydratePaths(parent, path, data[i], result);
        parent.pop();
      }
    } else if (hasOwn.call(data, head)) {
      parent.push(head);
      hydratePaths(parent, path.slice(1), (data as Data)[head], result);
      parent.pop();
    }
  } else {
    throw new Error(`unknown path part "${String(head)}"`);
  }
}

/** Apollo's downstreamServiceError: the subgraph's error at the client's path, with serviceName and a code. */
function downstreamServiceError(
  original: GraphQLFormattedError,
  serviceName: string,
  toPath: (path: ErrorPath) => ErrorPath,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const options: GraphQLErrorOptions = {
    originalError: original as Error,
    path: toPath(original.path),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

function moveIntoCursor(cursor: Cursor, path: ResponsePath): Cursor | undefined {
  const data = flattenAtPath(cursor.data, path);
  return data
    ? { path: cursor.path.concat(path), data: data as Data | Data[], fullResult: cursor.fullResult }
    : undefined;
}

/**
 * Apollo's flattenResultsAtPath (each `@` is a flatMap over a list), walking field steps in a loop
 * and collecting a list's elements into one array instead of a flatMap (and its callback) per level.
 */
function flattenAtPath(value: unknown, path: ResponsePath, from = 0): unknown {
  for (let i = from; i < path.length; i++) {
    if (value === undefined || value === null) return value;
    const current = path[i];
    if (current === "@") {
      if (!Array.isArray(value)) throw new Error(`Expected an array in result at path element @`);
      const flat: unknown[] = [];
      for (const element of value as unknown[]) {
        const inner = flattenAtPath(element, path, i + 1);
        if (Array.isArray(inner)) for (const item of inner) flat.push(item);
        else flat.push(inner);
      }
      return flat;
    }
    if (typeof current !== "string") throw new Error(`Unexpected ${typeof current} found in path`);
    if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
    value = hasOwn.call(value, current) ? (value as Data)[current] : undefined;
  }
  return value;
}
