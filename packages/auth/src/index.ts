export * from "./viewer.ts";
export * from "./verifier.ts";
export * from "./rules.ts";
export * from "./service-token.ts";
