export * from "./body.ts";
export * from "./respond.ts";
export * from "./http-server.ts";
export * from "./graphql-route.ts";
export * from "./lifecycle.ts";
export * from "./cors.ts";
export * from "./operation-observer-plugin.ts";
