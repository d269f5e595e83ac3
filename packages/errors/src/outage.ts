// Which failures are outages of shared infrastructure (PostgreSQL, Redis, the network) rather than
// bugs. They reach clients as SERVICE_UNAVAILABLE with `retryable: true`: retrying later can
// succeed, and an INTERNAL_SERVER_ERROR would read as a defect to fix.

/**
 * Prisma codes for an unreachable or overloaded database: P1001 unreachable, P1002 timed out,
 * P1008 operation timeout, P1017 connection closed, P2024 pool timeout.
 */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** Driver-adapter error kinds (Prisma 7 with @prisma/adapter-pg) that mean the connection, not the query, failed. */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
]);
/** Network errors from Node (pg, ioredis, undici sockets). */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down / starting up), 53300 (too many connections). */
const SQLSTATE = /^(08\d{3}|57P0[1-4]|53300)$/;
/** Messages of pg (pg-pool) and ioredis connection failures that carry no code. */
const MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  /Can't reach database server/i,
  /Connection is closed\./,
  /Stream isn't writeable and enableOfflineQueue options is false/,
  /Reached the max retries per request limit/,
  /Command timed out/,
];

interface Inspectable {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } };
}

function isOutageNode(error: Inspectable): boolean {
  const code = typeof error.code === "string" ? error.code : "";
  if (error.name === "PrismaClientInitializationError") return true;
  // A service's own error for a dependency that did not answer (e.g. orders → products) says so itself.
  if ((error as { outage?: unknown }).outage === true) return true;
  if (PRISMA_CODES.has(code) || NETWORK_CODES.has(code) || SQLSTATE.test(code)) return true;
  if (error.name === "MaxRetriesPerRequestError") return true;
  const adapter = error.meta?.driverAdapterError?.cause;
  if (adapter && typeof adapter.kind === "string" && ADAPTER_KINDS.has(adapter.kind)) return true;
  const sqlState = adapter?.originalCode ?? adapter?.code;
  if (typeof sqlState === "string" && SQLSTATE.test(sqlState)) return true;
  const message = typeof error.message === "string" ? error.message : "";
  return MESSAGES.some((pattern) => pattern.test(message));
}

/** True when `error` (or anything it wraps: originalError, cause, AggregateError members) is an infrastructure outage. */
export function isOutageError(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 20) {
    const next = queue.shift();
    if (!next || typeof next !== "object" || seen.has(next)) continue;
    seen.add(next);
    const node = next as Inspectable;
    if (isOutageNode(node)) return true;
    queue.push(node.originalError, node.cause, ...(Array.isArray(node.errors) ? node.errors : []));
  }
  return false;
}
