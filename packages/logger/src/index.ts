import { trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

// Credentials, tokens and payment data, wherever they appear: request/response headers, one level
// deep in any logged object (`{ input: { password } }`), at the top of a line, and in GraphQL
// variables. pino's `*` matches exactly one level, hence the explicit shapes.
const SECRET_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "passwordHash",
  "accessToken",
  "refreshToken",
  "paymentToken",
  "token",
  "serviceToken",
  "secret",
  "authorization",
  "cookie",
];
const HEADER_KEYS = ["authorization", "cookie", '["set-cookie"]', '["x-service-token"]', '["proxy-authorization"]'];

/** Paths whose values never reach a log line: credentials, tokens and payment data. */
export const REDACT_PATHS = [
  ...["req.headers", "res.headers", "headers", "request.headers", "response.headers"].flatMap((base) =>
    HEADER_KEYS.map((key) => `${base}${key.startsWith("[") ? key : `.${key}`}`),
  ),
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  ...["password", "currentPassword", "newPassword", "paymentToken", "refreshToken", "token"].flatMap((key) => [
    `variables.${key}`,
    `variables.input.${key}`,
  ]),
];

/** Extra paths in production: e-mail addresses are personal data. */
export const EMAIL_REDACT_PATHS = ["email", "*.email", "variables.email", "variables.input.email"];

/** Options for {@link createLogger}. */
export interface LoggerConfig {
  service: string;
  level?: string;
  /** Human-readable output (development only: it costs a worker thread). */
  pretty?: boolean;
  /** Also redact e-mail addresses (production: they are personal data). */
  redactEmails?: boolean;
  /** Where lines go; default stdout (tests pass a stream to read them back). */
  destination?: DestinationStream;
}

/**
 * The ids of the active span, on every line logged inside one, so a log line leads to its trace
 * and back. Read through the OpenTelemetry API: with no SDK running there is no span and no field.
 */
function traceFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
  };
}

/** Creates the JSON logger every process uses; `service` is on every line, trace ids on lines inside a span. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? "info",
    base: { service: config.service },
    mixin: traceFields,
    redact: {
      paths: config.redactEmails ? [...REDACT_PATHS, ...EMAIL_REDACT_PATHS] : REDACT_PATHS,
      censor: "[redacted]",
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (config.pretty) {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } },
    });
  }
  return config.destination ? pino(options, config.destination) : pino(options);
}

/**
 * `parent.child(bindings)`, built only when something logs through it (or reads it). Every request
 * gets a child logger with its request id and operation, and most requests never log a line with
 * it: pino's child (bindings serialized, redaction run) was paid per request for nothing. `child()`
 * on a lazy logger stays lazy (the bindings are merged, as nested pino children would print them).
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  let real: Logger | undefined;
  const materialize = () => (real ??= parent.child(bindings));
  const lazyChild = (more: Record<string, unknown>, options?: object) =>
    options ? materialize().child(more, options) : lazyChildLogger(parent, { ...bindings, ...more });
  return new Proxy({} as Logger, {
    get(_target, property) {
      if (property === "child" && real === undefined) return lazyChild;
      const logger = materialize();
      const value = Reflect.get(logger, property, logger) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
    },
    set(_target, property, value) {
      return Reflect.set(materialize(), property, value);
    },
    has(_target, property) {
      return Reflect.has(materialize(), property);
    },
  });
}
