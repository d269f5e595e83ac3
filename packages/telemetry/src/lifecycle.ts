import { shutdownTelemetry } from "./sdk.ts";

/**
 * Makes telemetry the last step of a service's graceful shutdown (stop accepting → drain → close
 * Prisma/Redis → flush telemetry), so the spans of the final requests are exported too.
 */
export function flushTelemetryOnClose<T extends { close(): Promise<void> }>(service: T): T {
  return {
    ...service,
    close: async () => {
      await service.close();
      await shutdownTelemetry();
    },
  };
}
