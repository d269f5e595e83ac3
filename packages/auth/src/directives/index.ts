export * from "./requirements.ts";
export * from "./policies.ts";
export * from "./check.ts";
export * from "./authorize-operation.ts";
export * from "./access-analyzer.ts";
