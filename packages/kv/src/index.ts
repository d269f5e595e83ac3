export * from "./redis.ts";
export * from "./redis-guard.ts";
export * from "./key-value-cache.ts";
