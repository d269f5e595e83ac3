// Imported before anything that loads @apollo/gateway. Without this variable the gateway
// package reports to Apollo's telemetry endpoint and probes cloud metadata addresses at load
// time; Shopgraph never contacts anything off the machine, in any mode, so it is forced on.
process.env.APOLLO_TELEMETRY_DISABLED = "true";

export {};
