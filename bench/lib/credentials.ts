/** The bench's gateway credential: its subgraphs accept it and every gateway sends it (production mode refuses the dev default). */
export const BENCH_GATEWAY_TOKEN = "bench-gateway-token-0123456789abcdef0123";
/** Orders' credential to products (a different secret: the gateway's never unlocks service-only fields). */
export const BENCH_SERVICE_TOKEN = "bench-service-token-0123456789abcdef0123";

/**
 * Sent with every bench request: a subgraph reached directly refuses requests without it, and the
 * gateways ignore a client's copy (Shopgraph sets its own; plain Apollo and Hive forward only
 * what their data sources add), so gateway and direct runs send the same bytes.
 */
export const CREDENTIAL_HEADERS: Readonly<Record<string, string>> = { "x-service-token": BENCH_GATEWAY_TOKEN };
