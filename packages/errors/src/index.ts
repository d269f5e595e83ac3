export * from "./codes.ts";
export * from "./coded-error.ts";
export * from "./user-error.ts";
export * from "./format-error.ts";
export * from "./error-logging-plugin.ts";
export * from "./schema-masking.ts";
export * from "./outage.ts";
export * from "./outage-status-plugin.ts";
