/**
 * V8 heap flags the gateway runs with wherever it starts: the Dockerfile's CMD, docker-compose.yml,
 * the Kubernetes Deployment, `pnpm start:gateway`, the dev supervisor (scripts/lib/processes.ts) and
 * the bench. test/gateway-node-flags.test.ts holds each of them to this list.
 *
 * Why (issue 16 §1: gateway RSS ≤ 300 MB under sustained load). Without flags V8 sizes the heap from
 * the memory it sees: on a 24 GB machine two 64 MB semi-spaces (128 MB of young generation, all of
 * it resident under load) and an old generation allowed to grow to 4× its live size between major
 * GCs (≈ 55 MB live after a full GC, 250 MB before the next one). Under the bench's replayed heavy
 * query that peaked at 500–570 MB RSS with nothing leaking. A 32 MB semi-space halves the young
 * generation; a 1 GB old-space limit makes V8 grow the old generation by ≤ 1.6× instead of 4×
 * (V8 scales the factor with the limit). Measured side by side (same run, interleaved): ≈ 300–330 MB
 * peak instead of 500–570, for 8–20 % more gateway CPU per heavy request (more scavenges and major
 * GCs; a 16 MB semi-space or a 512 MB limit cost 40–70 %). In a container Node would size the heap
 * from the memory limit instead; the flags make every environment behave as measured.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32", "--max-old-space-size=1024"];
