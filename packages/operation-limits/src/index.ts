// Operation limits: the walker, cost model, credential counting and limits rule that the gateway
// enforces on client operations and every subgraph enforces again (defence in depth).
export * from "./operation-walker.ts";
export * from "./operation-cost.ts";
export * from "./credential-fields.ts";
export * from "./validation-rules.ts";
export * from "./limits-plugin.ts";
