import { pino } from "pino";

/** A logger for tests: silent unless TEST_LOG_LEVEL asks for output. */
export const testLogger = (service = "test") =>
  pino({ level: process.env.TEST_LOG_LEVEL ?? "silent", base: { service } });
