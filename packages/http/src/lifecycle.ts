import type { Logger } from "@shopgraph/logger";

/** Something that can be shut down in order (stop accepting → drain → close clients → flush). */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Runs a service until SIGINT/SIGTERM, then closes it once. A second signal, or a close that
 * hangs past `forceAfterMs`, exits at once. Start-up failures exit 1 with the error logged.
 */
export async function runUntilSignal(
  logger: Logger,
  start: () => Promise<Closable>,
  forceAfterMs = 15_000,
): Promise<void> {
  let service: Closable;
  try {
    service = await start();
  } catch (error) {
    logger.fatal({ err: error }, "start-up failed");
    logger.flush?.();
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
    return;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown timed out");
      process.exit(1);
    }, forceAfterMs).unref();
    try {
      await service.close();
      logger.info("stopped");
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // A stray rejection is a bug to log, not a reason to take every in-flight request down with it.
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
}
