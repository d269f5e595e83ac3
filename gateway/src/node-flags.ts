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
 * Session 8 re-measured the alternatives (`pnpm bench:node-flags`, interleaved): a 16 MB semi-space
 * −30 MB for +13–47 % CPU, `--heap-growing-percent=30` −30 MB for +2–19 %, a 640 MB limit nothing.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32", "--max-old-space-size=1024"];

/**
 * glibc malloc settings of the gateway process wherever it starts (docker-compose.yml, the Kubernetes
 * Deployment, `pnpm start:gateway`, the supervisor in production, the bench; the same values the
 * supervisor gives every child in development). The gateway's memory outside the V8 heap is mostly
 * glibc's: subgraph answers arrive as Buffers (a heavy query's are 100–200 KB), V8's compiler threads
 * allocate their zones there, and each thread that mallocs gets an arena of its own (up to 8 per core)
 * that keeps what it freed. After a large buffer is freed glibc also raises its mmap threshold, so
 * later answers come from the arenas and stay resident. Two arenas and a fixed 128 KB threshold (big
 * buffers are mmap'd and handed back when freed) measured under the replayed heavy query
 * (`pnpm bench:node-flags --env`, with and without, interleaved, four runs at load 9–22): native memory
 * outside the heap at the RSS peak 49–67 → 19–28 MB, peak RSS −37, −15, −12 and +13 MB (at 120–220
 * RPS the peak is the heap's: old space grown to ≈ 130 MB plus a 64 MB young generation), gateway CPU
 * per request 0.92–1.03×. Other C libraries ignore these variables.
 */
export const GATEWAY_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
};
