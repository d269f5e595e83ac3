import "./telemetry-guard.ts";
import type { IncomingMessage } from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import {
  createAccessTokenVerifier,
  viewerFromAuthorization,
  type RevocationList,
  type VerifyAccessToken,
} from "@shopgraph/auth";
import { createErrorFormatter, errorLoggingPlugin, outageStatusPlugin } from "@shopgraph/errors";
import {
  attachMetricsServer,
  clientInputPlugin,
  createHttpServer,
  createOperationState,
  graphqlRoute,
  operationObserverPlugin,
  pluginChain,
  type HttpServerHandle,
} from "@shopgraph/http";
import {
  collectRuntimeMetrics,
  createOperationNameLabeler,
  observeGraphQLOperation,
  observeHttpRequest,
  serveMetrics,
} from "@shopgraph/metrics";
import { lazyChildLogger, type Logger } from "@shopgraph/logger";
import type { Fetcher } from "@apollo/utils.fetcher";
import { clientAddress } from "./client-address.ts";
import { oauthForward } from "./oauth-forward.ts";
import type { GatewayConfig } from "./config.ts";
import type { GatewayContext } from "./context.ts";
import { CREDENTIAL_FIELDS, operationLimitsRule } from "@shopgraph/operation-limits";
import { costLimitPlugin, DEFAULT_COST_LIMIT } from "./plugins/cost-limit-plugin.ts";
import { credentialLimitPlugin } from "./plugins/credential-limit-plugin.ts";
import { directivePrecheckPlugin } from "./plugins/directive-precheck-plugin.ts";
import { existsSync } from "node:fs";
import type { Redis } from "@shopgraph/kv";
import {
  countApqLookups,
  createQueryPlanCache,
  instrumentFetcher,
  observeBreakers,
  observeSubgraphFailure,
  observeRateLimitRejection,
  observeTrustedDocument,
} from "./observability/gateway-metrics.ts";
import { createApqCache } from "./persisted/apq-cache.ts";
import { withApqErrors } from "./persisted/apq-errors.ts";
import { loadManifests } from "./persisted/manifest.ts";
import { trustedDocumentsPlugin } from "./persisted/trusted-documents-plugin.ts";
import { accessLogPlugin } from "./plugins/access-log-plugin.ts";
import { rateLimitPlugin } from "./plugins/rate-limit-plugin.ts";
import { createMemoryRateLimitStore, createRedisRateLimitStore } from "./rate-limit/rate-limit-store.ts";
import { landingPagePlugin, SANDBOX_CSP } from "./plugins/landing-page-plugin.ts";
import { graphiqlRoutes } from "./explorer/graphiql-routes.ts";
import { cachePolicyPlugin } from "./plugins/cache-policy-plugin.ts";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import { subscriptionAdmissionPlugin } from "./live/admission-plugin.ts";
import { attachLiveUpdates, type LiveUpdates } from "./live/attach-live.ts";
import { LIVE_EVENTS_PATH } from "./live/live-events-route.ts";
import { CircuitBreaker } from "./subgraphs/circuit-breaker.ts";
import { ResilientDataSource } from "./subgraphs/resilient-data-source.ts";
import { supergraphFromFile } from "./supergraph-source.ts";
import type { AccessAnalyzer } from "@shopgraph/auth";
import { supergraphAccess } from "./authorization/supergraph-access.ts";
import { stripSecurityLinks } from "./authorization/strip-security-links.ts";
import { authorizationPlugin } from "./plugins/authorization-plugin.ts";
import { withShopgraphEngine } from "./engine/engine-gateway.ts";
import { createSubgraphFetcher, createSubgraphPool } from "./subgraphs/subgraph-fetcher.ts";

/** What the gateway is built from besides its config (tests inject their own). */
export interface GatewayDeps {
  logger: Logger;
  verifyAccessToken?: VerifyAccessToken;
  /** Revoked sessions and users, checked on every token (startGateway starts one from the config). */
  revocations?: Pick<RevocationList, "isRevoked">;
  /** Shared Redis (APQ store, rate limits); unset → in-process equivalents. */
  redis?: Redis;
  /** Observes subgraph fetches (tests count them to prove a rejected operation called nothing). */
  wrapFetcher?: (subgraph: string, fetcher: Fetcher) => Fetcher;
}

/** Subgraph name (as in the supergraph) → the URL to call at runtime. */
function subgraphUrls(config: GatewayConfig): Record<string, string> {
  return {
    users: config.USERS_URL,
    products: config.PRODUCTS_URL,
    orders: config.ORDERS_URL,
    notifications: config.NOTIFICATIONS_URL,
  };
}

/**
 * Builds the gateway: a static supergraph (composed ahead of time and committed, never
 * introspected at runtime), subgraph fetches that forward the verified token, and the shared
 * error formatter so only coded, intended errors reach clients.
 */
export async function createGateway(
  config: GatewayConfig,
  deps: GatewayDeps,
): Promise<{ http: HttpServerHandle; apollo: ApolloServer<GatewayContext>; live: LiveUpdates }> {
  const production = config.NODE_ENV === "production";
  const urls = subgraphUrls(config);
  const pools = new Map<string, ReturnType<typeof createSubgraphPool>>();
  const breakers = new Map<string, CircuitBreaker>();
  // Apollo's planner gets the supergraph without its SECURITY links (it refuses them); the
  // authorization plugin enforces them from the file's own text.
  let access: AccessAnalyzer | undefined;
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile({
      path: config.SUPERGRAPH_PATH,
      pollMs: config.SUPERGRAPH_POLL_MS,
      logger: deps.logger,
      forPlanner: stripSecurityLinks,
      onLoad: (sdl) => (access = supergraphAccess(sdl)),
    }),
    buildService: ({ name, url }) => {
      const pool = createSubgraphPool();
      pools.set(name, pool);
      const breaker = new CircuitBreaker({
        failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
        openMs: config.BREAKER_OPEN_MS,
        firstOpenMs: config.BREAKER_FIRST_OPEN_MS,
      });
      breakers.set(name, breaker);
      const fetcher = instrumentFetcher(
        name,
        createSubgraphFetcher({
          name,
          dispatcher: pool,
          breaker,
          timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
          retries: config.SUBGRAPH_RETRIES,
          retryBaseMs: 50,
          dedup: config.SUBGRAPH_DEDUP,
          readinessPollMs: config.BREAKER_READINESS_POLL_MS,
          onFailure: (reason, counted) => observeSubgraphFailure(name, reason, counted),
        }),
      );
      return new ResilientDataSource(
        name,
        urls[name] ?? url ?? "",
        deps.wrapFetcher ? deps.wrapFetcher(name, fetcher) : fetcher,
        config.GATEWAY_TOKEN,
      );
    },
    // The gateway's spans (request, validate, plan, execute, fetch) carry operation name and type,
    // never the document (inline arguments can hold passwords); exceptions are always recorded.
    telemetry: { includeDocument: false, recordExceptions: true },
    // The fetch nodes keep their parsed operation: the data source reads its kind (retries) and fields (error paths).
    queryPlannerConfig: { cache: createQueryPlanCache(), exposeDocumentNodeInFetchNode: true },
    logger: deps.logger,
  });
  const trustedOperations = loadManifests(config.PERSISTED_QUERY_MANIFESTS.filter((path) => existsSync(path)));
  const apollo = new ApolloServer<GatewayContext>({
    // GATEWAY_ENGINE: Shopgraph's plan executor (gateway/src/engine) or @apollo/gateway's own.
    gateway: config.GATEWAY_ENGINE === "shopgraph" ? withShopgraphEngine(gateway, deps.logger) : gateway,
    formatError: withApqErrors(createErrorFormatter({ showSuggestions: !production, hideSchemaDetails: production })),
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    introspection: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // runUntilSignal owns SIGTERM/SIGINT (drain → close → flush telemetry). Apollo's own handler
    // stops the server and re-raises the signal, which read as a second Ctrl-C: exit 1, no drain.
    stopOnTerminationSignals: false,
    persistedQueries: {
      cache: countApqLookups(
        createApqCache(deps.redis, config.REDIS_KEY_PREFIX, {
          timeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
          logger: deps.logger,
        }),
      ),
      ttl: config.APQ_TTL_SECONDS,
    },
    // Token count is enforced by the parser itself (a 400 before any AST is built).
    parseOptions: { maxTokens: config.MAX_TOKENS },
    // graphql-js stops after maxErrors and adds one "Too many validation errors": MAX_VALIDATION_ERRORS in all.
    validationOptions: { maxErrors: config.MAX_VALIDATION_ERRORS - 1 },
    validationRules: [
      operationLimitsRule({
        maxDepth: config.MAX_DEPTH,
        maxAliases: config.MAX_ALIASES,
        maxRootFields: config.MAX_ROOT_FIELDS,
        maxDirectives: config.MAX_DIRECTIVES,
        maxFields: config.MAX_FIELDS,
      }),
    ],
    logger: deps.logger,
    // Order matters: the observer comes first so every later plugin logs with the operation name
    // on the context's logger; the landing page answers before any request pipeline; trusted documents
    // fill in id-only requests before Apollo's APQ lookup; subscriptions are refused; cost is
    // computed once variables are known (didResolveOperation, before planning) and must come
    // before rate limiting, which spends that cost synchronously after it; error logging last.
    // Our request plugins run as two chains (pluginChain: one Apollo listener each, same hooks in the
    // same order) around Apollo's cache-control plugin, which must stay a plugin of its own.
    plugins: [
      landingPagePlugin(production),
      pluginChain<GatewayContext>([
        // Metric labels: manifest operations by name, then the first 100 other names, then "other".
        operationObserverPlugin<GatewayContext>({
          label: createOperationNameLabeler({
            known: [...trustedOperations.values()].map((op) => op.name),
            maxDynamic: 100,
          }),
          onFinished: observeGraphQLOperation,
        }),
        trustedDocumentsPlugin<GatewayContext>({
          operations: trustedOperations,
          defaultMode: config.TRUSTED_DOCUMENTS_MODE,
          clientModes: config.TRUSTED_DOCUMENTS_CLIENTS,
          onTrusted: () => observeTrustedDocument("hit"),
          onUnknown: ({ mode }) => observeTrustedDocument(mode === "enforce" ? "rejected" : "unknown"),
        }),
        subscriptionAdmissionPlugin<GatewayContext>(),
        // Before validation: a repeated directive is one error, not one per repetition.
        directivePrecheckPlugin({ maxDirectives: config.MAX_DIRECTIVES }),
        // NUL/unpaired surrogates in strings and ambiguous multi-operation documents are coded 400s.
        clientInputPlugin<GatewayContext>(),
        credentialLimitPlugin({ maxPerField: config.MAX_CREDENTIAL_FIELDS }),
        // @authenticated/@requiresScopes/@policy: refused fields leave the operation before cost, limits and planning.
        authorizationPlugin<GatewayContext>({
          analyzer: () => access,
          subjectOf: (ctx) => ({ viewer: ctx.viewer, isService: false }),
        }),
        costLimitPlugin<GatewayContext>({ ...DEFAULT_COST_LIMIT, maxCost: config.MAX_COST }),
        ...(config.RATE_LIMIT_ENABLED
          ? [
              rateLimitPlugin<GatewayContext>({
                store: deps.redis
                  ? createRedisRateLimitStore(deps.redis, config.REDIS_KEY_PREFIX, {
                      timeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
                      logger: deps.logger,
                    })
                  : createMemoryRateLimitStore(),
                windowMs: config.RATE_LIMIT_WINDOW_MS,
                userPoints: config.RATE_LIMIT_USER_POINTS,
                anonymousPoints: config.RATE_LIMIT_ANON_POINTS,
                credentialAttempts: config.RATE_LIMIT_CREDENTIAL_ATTEMPTS,
                maxPointsPerRequest: config.MAX_COST,
                // The same list the per-operation cap uses: social sign-in attempts count per IP like password ones.
                credentialFields: CREDENTIAL_FIELDS,
                onStoreError: (error) => deps.logger.error({ err: error }, "rate limit store failed; request allowed"),
                onReject: observeRateLimitRejection,
              }),
            ]
          : []),
      ]),
      // HTTP caching: Apollo's plugin keeps the subgraphs' Cache-Control hints, ours writes the header.
      ApolloServerPluginCacheControl({ calculateHttpHeaders: false }),
      pluginChain<GatewayContext>([
        cachePolicyPlugin<GatewayContext>(),
        errorLoggingPlugin<GatewayContext>(),
        outageStatusPlugin<GatewayContext>(),
      ]),
    ],
  });
  await apollo.start();

  const verify =
    deps.verifyAccessToken ??
    createAccessTokenVerifier({
      jwksUrl: config.JWKS_URL,
      issuer: config.JWT_ISSUER,
      appIssuer: config.OAUTH_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
      ...(deps.revocations ? { revocations: deps.revocations } : {}),
    });
  const context = async (req: IncomingMessage, info: { requestId: string }): Promise<GatewayContext> => {
    const viewer = await viewerFromAuthorization(req.headers.authorization, verify);
    return {
      requestId: info.requestId,
      // Built on first use: most requests log nothing through it (the access line uses the base logger).
      logger: lazyChildLogger(deps.logger, { requestId: info.requestId }),
      viewer,
      clientIp: clientAddress(req, config.TRUST_PROXY, config.TRUSTED_PROXY_HOPS),
      accessToken: viewer ? (req.headers.authorization ?? "").slice("Bearer ".length) : null,
      operation: createOperationState(),
    };
  };
  const route = graphqlRoute(apollo, {
    context,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    onComplete: accessLogPlugin<GatewayContext>({ logger: deps.logger }),
    ...(production ? {} : { htmlContentSecurityPolicy: SANDBOX_CSP }),
    // Hash-only GETs (persisted catalog queries) need no CSRF header: CDN-cacheable URLs.
    allowPersistedQueryGets: true,
  });
  const oauth = oauthForward({
    usersOrigin: new URL(config.USERS_URL).origin,
    credential: config.GATEWAY_TOKEN,
    clientIp: (req) => clientAddress(req, config.TRUST_PROXY, config.TRUSTED_PROXY_HOPS),
  });
  collectRuntimeMetrics();
  const stopBreakerMetrics = observeBreakers(breakers);
  const http = createHttpServer({
    logger: deps.logger,
    onRequestEnd: observeHttpRequest,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    cors: { origins: config.CORS_ORIGINS },
    trustRequestId: config.TRUST_PROXY,
    routes: {
      "POST /graphql": (req, res, info) => live.wrap(route)(req, res, info),
      "GET /graphql": (req, res, info) => live.wrap(route)(req, res, info),
      "GET /": (_req, res) => {
        res.writeHead(302, { location: "/graphql" }).end();
      },
      // The offline explorer (GraphiQL from node_modules), development only like Sandbox.
      ...(production ? {} : graphiqlRoutes()),
      "GET /.well-known/openid-configuration": oauth,
      // Embedded mode (no Redis): the producers push live events here (gateway credential).
      ...(config.REDIS_URL
        ? {}
        : { [`POST ${LIVE_EVENTS_PATH}`]: (req, res, info) => live.eventsRoute?.(req, res, info) }),
    },
    // The OAuth 2.0 authorization server (users) under this origin: apps see one issuer.
    prefixRoutes: { "/oauth/": oauth },
  });
  // /metrics only on its own listener (METRICS_HOST:METRICS_PORT), never on the public port.
  attachMetricsServer(http, {
    handler: serveMetrics,
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    ...(config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : {}),
  });
  // Subscriptions (multipart, SSE, graphql-ws) on the same /graphql, admitted by the same pipeline.
  const live = await attachLiveUpdates(config, {
    apollo,
    http,
    verify,
    logger: deps.logger,
    clientIp: (req) => clientAddress(req, config.TRUST_PROXY, config.TRUSTED_PROXY_HOPS),
  });
  const close = http.close.bind(http);
  http.close = async (graceMs, drainDelayMs) => {
    // Streams complete first (clients reconnect elsewhere); the drain then waits on nothing.
    await live.close();
    await close(graceMs, drainDelayMs);
    stopBreakerMetrics();
    await apollo.stop();
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  };
  return { http, apollo, live };
}
