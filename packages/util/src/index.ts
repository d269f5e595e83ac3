/** @shopgraph/util: the one copy of the small helpers every package needs (ids, waiting, backoff). No dependencies. */
export { isUuid } from "./uuid.ts";
export { sleep } from "./sleep.ts";
export { backoffDelayMs } from "./backoff.ts";
export type { Backoff } from "./backoff.ts";
