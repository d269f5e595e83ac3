export * from "./reachability.ts";
export * from "./databases.ts";
export * from "./redis.ts";
export * from "./issuer.ts";
export * from "./graphql-client.ts";
export * from "./silent-logger.ts";
export * from "./free-port.ts";
