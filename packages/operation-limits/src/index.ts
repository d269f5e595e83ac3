// Operation limits shared by the subgraphs (defence in depth behind the gateway). The walker, cost
// model, credential counting and limits rule are the gateway's (gateway/src/limits/*), copied here
// while that folder was being edited; the gateway can import this package instead.
export * from "./operation-walker.ts";
export * from "./operation-cost.ts";
export * from "./credential-fields.ts";
export * from "./validation-rules.ts";
export * from "./limits-plugin.ts";
