export * from "./redis.ts";
export * from "./key-value-cache.ts";
