// Imported first by apollo-plain.ts: @apollo/gateway reads this when it loads, and without it
// contacts Apollo's telemetry endpoint and probes cloud metadata addresses.
process.env.APOLLO_TELEMETRY_DISABLED = "true";

export {};
