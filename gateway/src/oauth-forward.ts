import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { CLIENT_IP_HEADER, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { sendError, type RouteHandler } from "@shopgraph/http";

/** Options for {@link oauthForward}. */
export interface OAuthForwardOptions {
  /** The users subgraph's origin (derived from USERS_URL). */
  usersOrigin: string;
  /** The gateway's credential: users then believes the client address below (login throttle). */
  credential: string;
  clientIp: (req: IncomingMessage) => string;
  /** Per request, headers to body end. Default 30 s (a person types a password on the way). */
  timeoutMs?: number;
}

// Connection-level headers (RFC 9110 §7.6.1) are per hop; the client-address header is the gateway's to set.
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  CLIENT_IP_HEADER,
  SERVICE_TOKEN_HEADER,
];

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

/**
 * Forwards the OAuth authorization server (users' `/oauth/*` and the discovery document) under
 * the gateway's origin, so apps see one issuer. Bodies stream both ways unchanged (forms, token
 * requests, Set-Cookie); the issuer's origin, not the Host header, decides the URLs users builds.
 */
export function oauthForward(options: OAuthForwardOptions): RouteHandler {
  const target = new URL(options.usersOrigin);
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      const headers = {
        ...withoutHopHeaders(req.headers),
        host: target.host,
        [SERVICE_TOKEN_HEADER]: options.credential,
        [CLIENT_IP_HEADER]: options.clientIp(req),
      };
      const upstream = request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
          timeout: options.timeoutMs ?? 30_000,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, withoutHopHeaders(answer.headers));
          answer.pipe(res);
          answer.on("end", resolve);
          answer.on("error", () => (res.destroy(), resolve()));
        },
      );
      upstream.on("timeout", () => upstream.destroy(new Error("users did not answer in time")));
      upstream.on("error", () => {
        if (!res.headersSent)
          sendError(res, 503, "SERVICE_UNAVAILABLE", "The sign-in service is temporarily unavailable");
        else res.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
}
