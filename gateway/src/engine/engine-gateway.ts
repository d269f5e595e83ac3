import { createHash } from "node:crypto";
import type { ApolloGateway, GraphQLDataSource } from "@apollo/gateway";
import { operationFromDocument, type Operation, type Schema } from "@apollo/federation-internals";
import type { QueryPlan, QueryPlanner } from "@apollo/query-planner";
import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import {
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import type { Logger } from "@shopgraph/logger";
import { compilePlan, unsupportedPlanFeature, type PlanRun } from "./execute-plan.ts";
import { compileShape, UnsupportedOperation, type CompiledShape } from "./shape.ts";

/**
 * Shopgraph's execution engine (issue 16 §1), plugged into Apollo Server as the gateway's
 * executor. @apollo/gateway still owns the supergraph, composition, query planning and its plan
 * cache; this replaces only the per-request execution of the plan: the plan and the operation's
 * response shape are compiled once (cached beside the plan) and each request walks closures.
 *
 * Operations it does not cover are handed to Apollo's own executor, unchanged: plans with @defer
 * or @fromContext, subscriptions, schema introspection (`__schema`, `__type`), Studio trace
 * capture, and invalid variables (Apollo's executor builds the coercion errors).
 */

type Executor = ApolloGateway["executor"];
type RequestContext = Parameters<Executor>[0];
type ExecutionResult = Awaited<ReturnType<Executor>>;

/** The parts of ApolloGateway this engine reads (private fields of @apollo/gateway 2.14.x, checked at load). */
interface GatewayInternals {
  schema?: GraphQLSchema;
  apiSchema?: Schema;
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: QueryPlanner;
  queryPlanStore: {
    get(key: string): Promise<QueryPlan | undefined>;
    set(key: string, plan: QueryPlan): Promise<void>;
  };
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  recursiveSelectionsLimitDisabled: boolean;
  nonLocalSelectionsLimitDisabled: boolean;
}

/** A plan compiled for this engine, or why Apollo's executor runs it. */
type Compiled =
  { fallback: string } | { fallback?: undefined; run: ReturnType<typeof compilePlan>; shape: CompiledShape };

const tracer = trace.getTracer("@shopgraph/gateway-engine");

/** Operations executed by this engine and handed to Apollo's executor, since the process started (tests, diagnostics). */
export const engineCounters = { engine: 0, apollo: 0 };

function traced<T>(name: string, attributes: Record<string, string>, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

function findOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): { operation: OperationDefinitionNode; fragments: FragmentDefinitionNode[] } | undefined {
  let operation: OperationDefinitionNode | undefined;
  let count = 0;
  const fragments: FragmentDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      count++;
      if (!operationName && count > 1) return undefined;
      if (!operationName || definition.name?.value === operationName) operation = definition;
    } else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.push(definition);
  }
  return operation ? { operation, fragments } : undefined;
}

/** Builds the engine's executor for `gateway`; `apolloExecutor` runs what the engine does not cover. */
export function createEngineExecutor(gateway: ApolloGateway, apolloExecutor: Executor, logger: Logger): Executor {
  const internals = gateway as unknown as GatewayInternals;
  const compiledByPlan = new WeakMap<QueryPlan, Compiled>();
  const reported = new Set<string>();

  const compile = (
    plan: QueryPlan,
    operation: OperationDefinitionNode,
    fragments: FragmentDefinitionNode[],
  ): Compiled => {
    const unsupported = unsupportedPlanFeature(plan);
    if (unsupported) return { fallback: unsupported };
    let op: Operation;
    try {
      op = operationFromDocument(
        internals.apiSchema!,
        { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] } as never,
        { validate: false },
      );
      return { run: compilePlan(plan, internals.supergraphSchema!, op.variableDefinitions), shape: compileShape(op) };
    } catch (error) {
      if (error instanceof UnsupportedOperation) return { fallback: error.message };
      // Anything else Apollo's executor reports in its own words.
      return { fallback: `compile error: ${(error as Error).message}` };
    }
  };

  return async (requestContext: RequestContext): Promise<ExecutionResult> => {
    const { request, document, queryHash } = requestContext;
    const found = findOperation(document, request.operationName);
    if (!found || requestContext.metrics?.captureTraces || !internals.apiSchema || !internals.queryPlanner)
      return apolloExecutor(requestContext);
    return traced(
      "gateway.request",
      {
        ...(requestContext.operationName
          ? { operationName: requestContext.operationName, "graphql.operation.name": requestContext.operationName }
          : {}),
        "graphql.operation.type": found.operation.operation,
      },
      async () => {
        const definitions = found.operation.variableDefinitions;
        if (definitions?.length) {
          const invalid = await traced(
            "gateway.validate",
            {},
            async () => getVariableValues(internals.schema!, definitions, request.variables ?? {}).errors,
          );
          if (invalid) return apolloExecutor(requestContext);
        } else await traced("gateway.validate", {}, async () => undefined);

        const key = request.operationName
          ? createHash("sha256").update(queryHash).update(request.operationName).digest("hex")
          : queryHash;
        let plan = await internals.queryPlanStore.get(key);
        if (!plan) {
          plan = await traced(
            "gateway.plan",
            requestContext.operationName ? { "graphql.operation.name": requestContext.operationName } : {},
            async () => {
              const operation = operationFromDocument(internals.apiSchema!, document, {
                operationName: request.operationName ?? undefined,
              });
              return internals.queryPlanner!.buildQueryPlan(operation, {
                recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
                nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
              });
            },
          );
          try {
            await internals.queryPlanStore.set(key, plan);
          } catch (error) {
            logger.warn({ err: error }, "could not store query plan");
          }
        }
        let compiled = compiledByPlan.get(plan);
        if (!compiled) compiledByPlan.set(plan, (compiled = compile(plan, found.operation, found.fragments)));
        if (compiled.fallback !== undefined) {
          if (!reported.has(compiled.fallback)) {
            reported.add(compiled.fallback);
            logger.info({ reason: compiled.fallback }, "gateway engine: operation executed by Apollo's executor");
          }
          engineCounters.apollo++;
          return apolloExecutor(requestContext);
        }
        engineCounters.engine++;
        return execute(compiled, requestContext, internals);
      },
    );
  };
}

async function execute(
  compiled: Exclude<Compiled, { fallback: string }>,
  requestContext: RequestContext,
  internals: GatewayInternals,
): Promise<ExecutionResult> {
  return traced("gateway.execute", {}, async () => {
    const serviceMap: Record<string, GraphQLDataSource> = {};
    for (const name in internals.serviceMap) serviceMap[name] = internals.serviceMap[name]!.dataSource;
    const run: PlanRun = { requestContext: requestContext, serviceMap, errors: [] };
    const internal: Record<string, unknown> = {};
    await compiled.run(run, internal);
    return traced("gateway.postprocessing", {}, async () => {
      const valueErrors: GraphQLError[] = [];
      let data: Record<string, unknown> | null;
      try {
        data = compiled.shape.shape(
          internal,
          compiled.shape.variablesWithDefaults(requestContext.request.variables),
          valueErrors,
        );
      } catch (error) {
        if (error instanceof GraphQLError) return { errors: [error] };
        if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
        return { errors: [new GraphQLError("Unexpected error during query plan execution")] };
      }
      // Apollo's rule: value-completion errors are reported (as an extension) only when execution had none.
      if (run.errors.length === 0 && valueErrors.length > 0)
        return { extensions: { valueCompletion: valueErrors }, data };
      return run.errors.length === 0 ? { data } : { errors: run.errors as GraphQLError[], data };
    });
  });
}

/**
 * The gateway Apollo Server is given: @apollo/gateway for loading, schema updates and stopping,
 * with this engine as the executor.
 */
export function withShopgraphEngine(
  gateway: ApolloGateway,
  logger: Logger,
): Pick<ApolloGateway, "load" | "onSchemaLoadOrUpdate" | "stop"> {
  return {
    async load(options) {
      const loaded = await gateway.load(options);
      const internals = gateway as unknown as Partial<GatewayInternals>;
      // A different @apollo/gateway could rename what the engine reads: then run Apollo's executor, and say so.
      if (
        !internals.queryPlanStore ||
        !internals.serviceMap ||
        !("queryPlanner" in internals) ||
        !("supergraphSchema" in internals) ||
        !("apiSchema" in internals)
      ) {
        logger.error("gateway engine: @apollo/gateway internals not found; using Apollo's executor");
        return loaded;
      }
      return { ...loaded, executor: createEngineExecutor(gateway, loaded.executor, logger) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}
