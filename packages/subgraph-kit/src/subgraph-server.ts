import type { IncomingMessage } from "node:http";
import { ApolloServer, type BaseContext } from "@apollo/server";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import {
  clientIpOf,
  viewerFromAuthorization,
  type AcceptedCredentials,
  type AuthContext,
  type ServiceCaller,
  type VerifyAccessToken,
} from "@shopgraph/auth";
import { operationLimitsRule, variableLimitsPlugin } from "@shopgraph/operation-limits";
import { createErrorFormatter, errorLoggingPlugin, outageStatusPlugin, unauthenticated } from "@shopgraph/errors";
import {
  attachMetricsServer,
  clientInputPlugin,
  createHttpServer,
  createOperationState,
  graphqlRoute,
  operationObserverPlugin,
  type HttpServerHandle,
  type OperationState,
  type RouteHandler,
} from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import {
  collectRuntimeMetrics,
  createOperationNameLabeler,
  observeGraphQLOperation,
  observeHttpRequest,
  serveMetrics,
} from "@shopgraph/metrics";
import { subgraphAuthorizationPlugin } from "./authorization-plugin.ts";
import { cacheHintPlugins } from "./cache-hints.ts";
import { observeDbPool } from "./db-pool-metrics.ts";
import { jitGateway } from "./jit-executor.ts";
import { DateTimeScalar } from "./scalars.ts";
import { callerOf, requireServiceCredential } from "./service-credential-route.ts";
import { DEFAULT_SUBGRAPH_LIMITS, type SubgraphLimits } from "./subgraph-limits.ts";

/**
 * Resolver map as @apollo/subgraph takes it. Loosely typed on purpose: each subgraph checks its
 * map where it is defined (`satisfies Resolvers`, generated from its SDL by `pnpm codegen`), and
 * @apollo/subgraph does not export its own map type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type ResolverMap = Record<string, any>;

/** What every subgraph context carries; a subgraph adds its own loaders and services. */
export interface BaseSubgraphContext extends BaseContext, AuthContext {
  requestId: string;
  logger: Logger;
  /** Filled by the operation observer (name, type, errors) for logs and metrics. */
  operation?: OperationState;
  /** Who called: the gateway (client operations) or a sibling service (`isService`). */
  caller: ServiceCaller;
  /** The end client's address as the gateway saw it (CLIENT_IP_HEADER from a credentialed caller), else the peer. */
  clientIp: string;
}

/** Options for {@link createSubgraphServer}. */
export interface SubgraphServerOptions<C extends BaseSubgraphContext> {
  name: string;
  /** The subgraph SDL (src/schema.graphql); its @authenticated/@requiresScopes/@policy are enforced (authorization-plugin.ts). */
  typeDefs: string;
  resolvers: ResolverMap;
  logger: Logger;
  verifyAccessToken: VerifyAccessToken;
  /** Credentials accepted on /graphql; anything else is refused before parsing (config.ACCEPTED_CREDENTIALS). */
  credentials: AcceptedCredentials;
  /** Operation limits (config: subgraphLimits(config)). Default: {@link DEFAULT_SUBGRAPH_LIMITS}. */
  limits?: SubgraphLimits;
  /** Adds the subgraph's own per-request state (DataLoaders, domain services) to the base context. */
  createContext: (base: BaseSubgraphContext) => C;
  isReady?: () => Promise<boolean>;
  /** Production: no introspection, no suggestions in errors. */
  production: boolean;
  routes?: Record<string, RouteHandler>;
  /** Handlers for every path under a prefix (users: the OAuth authorization server under /oauth/). */
  prefixRoutes?: Record<string, RouteHandler>;
  bodyLimitBytes?: number;
  /** How many distinct operation names get their own metric label before the rest become "other". Default 100. */
  maxOperationLabels?: number;
  /** HTTP edge settings from the subgraph's config (see {@link subgraphHttpOptions}); unset: server defaults, no metrics listener. */
  http?: SubgraphHttpOptions;
}

/** Timeouts and the metrics listener of a subgraph's HTTP server. */
export interface SubgraphHttpOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  metrics: { port: number; host: string; token?: string };
}

/** The HTTP edge settings of a subgraph's validated config (METRICS_*, *_TIMEOUT_MS). */
export function subgraphHttpOptions(config: {
  HEADERS_TIMEOUT_MS: number;
  REQUEST_TIMEOUT_MS: number;
  METRICS_PORT: number;
  METRICS_HOST: string;
  METRICS_TOKEN?: string | undefined;
}): SubgraphHttpOptions {
  return {
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    metrics: {
      port: config.METRICS_PORT,
      host: config.METRICS_HOST,
      ...(config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : {}),
    },
  };
}

/** Builds a subgraph's Apollo Server and HTTP server (not yet listening). */
export async function createSubgraphServer<C extends BaseSubgraphContext>(
  options: SubgraphServerOptions<C>,
): Promise<{ http: HttpServerHandle; apollo: ApolloServer<C> }> {
  const typeDefs = parse(options.typeDefs);
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: { DateTime: DateTimeScalar, ...options.resolvers } }]);
  const limits = options.limits ?? DEFAULT_SUBGRAPH_LIMITS;
  // graphql-jit runs the queries (jit-executor.ts); Apollo keeps parsing, validation, plugins and serialization.
  const { gateway } = jitGateway(schema);
  const apollo = new ApolloServer<C>({
    gateway,
    // The gateway's limits again (defence in depth); the token cap is the parser's own 400.
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [operationLimitsRule(limits)],
    formatError: createErrorFormatter({ showSuggestions: !options.production, hideSchemaDetails: options.production }),
    includeStacktraceInErrorResponses: false,
    introspection: !options.production,
    persistedQueries: false,
    // runUntilSignal owns SIGTERM/SIGINT (drain → close → flush telemetry). Apollo's own handler
    // stops the server and re-raises the signal, which read as a second Ctrl-C: exit 1, no drain.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    // Subgraphs have no landing page (explorers use the gateway) and no Apollo inline traces
    // (tracing is OpenTelemetry's job; ftv1 would only add work and expose timings).
    // The observer first: it puts the operation name on the context's logger that later plugins log with.
    plugins: [
      operationObserverPlugin<C>({
        label: createOperationNameLabeler({ maxDynamic: options.maxOperationLabels ?? 100 }),
        onFinished: observeGraphQLOperation,
      }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ...cacheHintPlugins<C>(typeDefs),
      // NUL/unpaired surrogates and ambiguous documents are 400s here too, not PostgreSQL errors.
      clientInputPlugin<C>(),
      variableLimitsPlugin<C>(limits),
      // The SDL's access directives, once per operation (entity fetches included), before any resolver runs.
      subgraphAuthorizationPlugin<C>(schema),
      errorLoggingPlugin<C>(),
      outageStatusPlugin<C>(),
    ],
    logger: options.logger,
  });
  await apollo.start();

  const context = async (req: IncomingMessage, info: { requestId: string }): Promise<C> => {
    // The route refused requests without an accepted credential already; this holds if it ever moves.
    const caller = callerOf(req, options.credentials);
    if (!caller) throw unauthenticated("A service credential is required", true);
    const base: BaseSubgraphContext = {
      requestId: info.requestId,
      logger: options.logger.child({ requestId: info.requestId }),
      viewer: await viewerFromAuthorization(req.headers.authorization, options.verifyAccessToken),
      isService: caller === "service",
      caller,
      clientIp: clientIpOf(req, true),
      operation: createOperationState(),
    };
    return options.createContext(base);
  };
  const route = requireServiceCredential(
    graphqlRoute(apollo, { context, ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}) }),
    options.credentials,
  );
  collectRuntimeMetrics();
  const stopPoolMetrics = observeDbPool();
  const http = createHttpServer({
    logger: options.logger,
    routes: { "POST /graphql": route, "GET /graphql": route, ...options.routes },
    ...(options.prefixRoutes ? { prefixRoutes: options.prefixRoutes } : {}),
    ...(options.http
      ? { headersTimeoutMs: options.http.headersTimeoutMs, requestTimeoutMs: options.http.requestTimeoutMs }
      : {}),
    onRequestEnd: observeHttpRequest,
    ...(options.isReady ? { isReady: options.isReady } : {}),
    // Subgraphs sit behind the gateway, which sets the request id.
    trustRequestId: true,
  });
  // /metrics is served only on the metrics listener, never on the subgraph's public port.
  if (options.http) attachMetricsServer(http, { handler: serveMetrics, ...options.http.metrics });
  const close = http.close.bind(http);
  http.close = async (graceMs, drainDelayMs) => {
    await close(graceMs, drainDelayMs);
    await apollo.stop();
    stopPoolMetrics();
  };
  return { http, apollo };
}
