import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody, sendError } from "@shopgraph/http";
import type { VerifyAccessToken } from "@shopgraph/auth";
import { createHandler } from "graphql-sse";
import type { ExecutionResult } from "graphql";
import type { LiveService } from "./live-service.ts";
import { graphqlParams, httpSubscriber } from "./http-subscriber.ts";

/** True when the client asks for a Server-Sent Events stream (graphql-sse, distinct connections mode). */
export function wantsEventStream(req: IncomingMessage): boolean {
  return req.headers.accept === "text/event-stream";
}

/** Options for {@link createSseTransport}. */
export interface SseTransportOptions {
  live: LiveService;
  verify: VerifyAccessToken;
  clientIp: (req: IncomingMessage) => string;
  bodyLimitBytes: number;
}

const json = (status: number, body: unknown) =>
  [
    JSON.stringify(body),
    {
      status,
      statusText: status === 401 ? "Unauthorized" : "Error",
      headers: { "content-type": "application/json; charset=utf-8" },
    },
  ] as const;

/**
 * Server-Sent Events on /graphql with the graphql-sse library, in its "distinct connections"
 * mode: one POST with `Accept: text/event-stream` per subscription, the Bearer header as auth
 * (single-connection mode, with its stream tokens, is off). graphql-sse pings every 12 s.
 * Refusals are JSON answers with their HTTP status.
 */
export function createSseTransport(options: SseTransportOptions) {
  const handler = createHandler<IncomingMessage, undefined>({
    // No stream reservation (PUT) and no token: every request is its own stream.
    authenticate: () => null,
    onSubscribe: async (req, params) => {
      const raw = req.raw;
      const subscriber = await httpSubscriber(raw, options.verify);
      if (!subscriber.ok) return json(subscriber.status, { errors: subscriber.errors });
      const request = graphqlParams(params);
      if (!request)
        return json(400, { errors: [{ message: "Expected a GraphQL request", extensions: { code: "BAD_REQUEST" } }] });
      const outcome = await options.live.subscribe({
        request,
        http: { method: "POST", headers: subscriber.headers, search: "", body: request },
        token: subscriber.token,
        viewer: subscriber.viewer,
        clientIp: options.clientIp(raw),
        transport: "sse",
      });
      // Formatted results (masked errors as plain objects) are what graphql-sse serialises anyway.
      if (outcome.kind === "stream") return outcome.stream as unknown as AsyncIterable<ExecutionResult>;
      if (outcome.result.errors?.length) return json(outcome.status, outcome.result);
      return {
        data: outcome.result.data ?? null,
        ...(outcome.result.extensions ? { extensions: outcome.result.extensions } : {}),
      };
    },
  });
  // graphql-sse's own node:http adapter reads the body without a limit; this one reads it with
  // the gateway's limit and waits for 'drain' on a full socket (a slow reader fills its live buffer, not memory).
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body = "";
    if (req.method === "POST") {
      try {
        body = await readBody(req, options.bodyLimitBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          return sendError(
            res,
            413,
            "PAYLOAD_TOO_LARGE",
            `Request body too large (limit ${options.bodyLimitBytes} bytes)`,
          );
        throw error;
      }
    }
    const [answer, init] = await handler({
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: { get: (key: string) => [req.headers[key]].flat().join("\n") || undefined },
      body,
      raw: req,
      context: undefined,
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!answer || typeof answer === "string") {
      res.end(answer ?? undefined);
      return;
    }
    const stop = () => void answer.return(undefined);
    res.once("close", stop);
    for await (const chunk of answer) {
      // 'close' too: a client gone while its buffer is full never drains, and the loop must end.
      if (!res.write(chunk) && !res.destroyed) await drainedOrClosed(res);
    }
    res.off("close", stop);
    res.end();
  };
}

/** Resolves on the response's next 'drain' or its 'close', whichever comes first. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.once("drain", done).once("close", done);
  });
}
