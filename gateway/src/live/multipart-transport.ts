import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody, sendError, sendJson } from "@shopgraph/http";
import type { VerifyAccessToken } from "@shopgraph/auth";
import type { FormattedExecutionResult } from "graphql";
import { graphqlParams, httpSubscriber } from "./http-subscriber.ts";
import type { LiveService } from "./live-service.ts";

/** True when the client asks for Apollo's multipart subscription protocol. */
export function wantsMultipartSubscription(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? "";
  return /multipart\/mixed/i.test(accept) && /subscriptionSpec\s*=\s*"?1\.0/i.test(accept);
}

const BOUNDARY = "graphql";
const PART = `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`;

/** Options for {@link createMultipartTransport}. */
export interface MultipartTransportOptions {
  live: LiveService;
  verify: VerifyAccessToken;
  clientIp: (req: IncomingMessage) => string;
  bodyLimitBytes: number;
  /** A `{}` part this often so proxies and clients know the stream is alive. */
  heartbeatMs: number;
}

/**
 * Apollo's multipart HTTP subscription protocol (Apollo Client, Apollo iOS, Apollo Kotlin): a
 * POST with `Accept: multipart/mixed;subscriptionSpec=1.0` answered with `multipart/mixed;
 * boundary="graphql"`, one JSON part `{"payload": result}` per event and a `{}` heartbeat part
 * every few seconds; the final boundary ends the stream. Written here because no maintained
 * Node library serves it outside Apollo Router and Yoga's own server; the client side is Apollo
 * Client's, which the e2e test uses. Refusals (bad token, limits, validation) are plain JSON with
 * their HTTP status, before any part is sent.
 */
export function createMultipartTransport(options: MultipartTransportOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") return sendError(res, 405, "BAD_REQUEST", "Multipart subscriptions are POST requests");
    // A JSON body is never a CORS "simple" request: a browser page of another origin cannot send one unasked.
    if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
      return sendError(res, 400, "BAD_REQUEST", "Expected an application/json body");
    let params;
    try {
      params = graphqlParams(JSON.parse(await readBody(req, options.bodyLimitBytes)));
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendError(
          res,
          413,
          "PAYLOAD_TOO_LARGE",
          `Request body too large (limit ${options.bodyLimitBytes} bytes)`,
        );
      return sendError(res, 400, "BAD_REQUEST", "Malformed JSON body");
    }
    if (!params) return sendError(res, 400, "BAD_REQUEST", "Expected a GraphQL request body");
    const subscriber = await httpSubscriber(req, options.verify);
    if (!subscriber.ok) return sendJson(res, subscriber.status, { errors: subscriber.errors });
    const outcome = await options.live.subscribe({
      request: params,
      http: { method: "POST", headers: subscriber.headers, search: "", body: params },
      token: subscriber.token,
      viewer: subscriber.viewer,
      clientIp: options.clientIp(req),
      transport: "multipart",
    });
    if (outcome.kind === "result") return sendJson(res, outcome.status, outcome.result);
    const { stream } = outcome;
    res.writeHead(200, {
      "content-type": `multipart/mixed; boundary="${BOUNDARY}"; subscriptionSpec="1.0"`,
      "cache-control": "no-store",
    });
    res.write(`\r\n--${BOUNDARY}`);
    let writing = Promise.resolve();
    let pending = 0;
    // Parts are written in order; a full socket buffer waits for 'drain' (the stream's own buffer then fills, not memory).
    const writePart = (json: string) => {
      pending++;
      return (writing = writing.then(
        () =>
          new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done).off("close", done);
              pending--;
              resolve();
            };
            // 'close' too: a client gone while its buffer is full never drains, and the loop must end.
            if (res.write(`${PART}${json}\r\n--${BOUNDARY}`) || res.destroyed) done();
            else res.once("drain", done).once("close", done);
          }),
      ));
    };
    // A heartbeat is only due on an idle link: behind a stalled write it would queue up (one per interval, for ever).
    const heartbeat = setInterval(() => pending === 0 && void writePart("{}"), options.heartbeatMs).unref();
    res.on("close", () => {
      clearInterval(heartbeat);
      void stream.return?.();
    });
    try {
      for await (const result of stream as AsyncIterable<FormattedExecutionResult>) {
        if (res.destroyed) break;
        await writePart(JSON.stringify({ payload: result }));
      }
    } finally {
      clearInterval(heartbeat);
      await writing;
      if (!res.destroyed) res.end("--\r\n");
    }
  };
}
