import { createVerify, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FCM_SCOPE, GOOGLE_TOKEN_URL } from "../src/domain/fcm-transport.ts";

/** An FCM error the server answers with, as documented for HTTP v1 (status, google.rpc status, FcmError code). */
export interface FcmFailure {
  errorCode: "UNREGISTERED" | "INVALID_ARGUMENT" | "QUOTA_EXCEEDED" | "UNAVAILABLE" | "SENDER_ID_MISMATCH" | "INTERNAL";
  /** Retry-After header value, e.g. "1" or an HTTP date. */
  retryAfter?: string;
  /** The request fields FCM blames (a google.rpc.BadRequest detail), e.g. "message.token". */
  fieldViolations?: string[];
}

const FAILURES: Record<FcmFailure["errorCode"], { code: number; status: string; message: string }> = {
  UNREGISTERED: { code: 404, status: "NOT_FOUND", message: "Requested entity was not found." },
  INVALID_ARGUMENT: {
    code: 400,
    status: "INVALID_ARGUMENT",
    message: "The registration token is not a valid FCM registration token",
  },
  QUOTA_EXCEEDED: { code: 429, status: "RESOURCE_EXHAUSTED", message: "Quota exceeded for quota metric 'Messages'." },
  UNAVAILABLE: { code: 503, status: "UNAVAILABLE", message: "The service is currently unavailable." },
  SENDER_ID_MISMATCH: { code: 403, status: "PERMISSION_DENIED", message: "SenderId mismatch" },
  INTERNAL: { code: 500, status: "INTERNAL", message: "Internal error encountered." },
};

/** One JWT bearer grant the token endpoint accepted, with the assertion's verified claims. */
export interface TokenGrant {
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
}

/** One messages:send request (accepted or not). */
export interface ReceivedMessage {
  at: number;
  message: {
    token: string;
    notification?: { title: string; body: string };
    data?: Record<string, string>;
    [platform: string]: unknown;
  };
  answered: number;
}

const b64json = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers }).end(JSON.stringify(body));
}

/**
 * A local stand-in for Google's OAuth 2.0 token endpoint and FCM HTTP v1, on an ephemeral port.
 * The token endpoint verifies the JWT bearer assertion as Google does (RS256 signature by the
 * service account's key, iss, aud, scope, expiry) before issuing an access token; messages:send
 * needs one of those tokens and answers per device token from a script of documented errors.
 */
export async function startFcmServer(projectId = "shopgraph-test") {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const serviceAccount = {
    type: "service_account",
    project_id: projectId,
    private_key_id: randomBytes(8).toString("hex"),
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: `push@${projectId}.iam.gserviceaccount.com`,
    // Real key files carry this; google-auth-library 11 ignores it (the transporter redirects instead).
    token_uri: GOOGLE_TOKEN_URL,
  };
  const grants: TokenGrant[] = [];
  const refusedGrants: string[] = [];
  const received: ReceivedMessage[] = [];
  const issued = new Set<string>();
  const scripts = new Map<string, FcmFailure[]>();

  function verifyAssertion(assertion: string): TokenGrant | string {
    const [h, p, s] = assertion.split(".");
    if (!h || !p || !s) return "malformed";
    const verifier = createVerify("RSA-SHA256");
    verifier.update(`${h}.${p}`);
    if (!verifier.verify(publicKey, Buffer.from(s, "base64url"))) return "Invalid JWT Signature.";
    const header = b64json(h);
    const claims = b64json(p);
    const now = Date.now() / 1000;
    if (header.alg !== "RS256") return "alg";
    if (claims.iss !== serviceAccount.client_email) return "iss";
    if (claims.aud !== GOOGLE_TOKEN_URL) return "aud";
    if (typeof claims.scope !== "string" || !claims.scope.split(" ").includes(FCM_SCOPE)) return "scope";
    if (typeof claims.exp !== "number" || claims.exp < now || typeof claims.iat !== "number" || claims.iat > now + 60)
      return "Invalid JWT: Token must be a short-lived token";
    return { header, claims };
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const result =
      form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ? verifyAssertion(form.get("assertion") ?? "")
        : "unsupported_grant_type";
    if (typeof result === "string") {
      refusedGrants.push(result);
      return json(res, 400, { error: "invalid_grant", error_description: result });
    }
    grants.push(result);
    const accessToken = `ya29.${randomBytes(24).toString("base64url")}`;
    issued.add(accessToken);
    json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: "Bearer" });
  }

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !issued.has(bearer)) {
      return json(res, 401, {
        error: { code: 401, status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials." },
      });
    }
    const { message } = JSON.parse(await readBody(req)) as { message: ReceivedMessage["message"] };
    const failure = scripts.get(message.token)?.shift();
    const answered = failure ? FAILURES[failure.errorCode].code : 200;
    received.push({ at: Date.now(), message, answered });
    if (!failure)
      return json(res, 200, {
        name: `projects/${projectId}/messages/0:${Date.now()}%${randomBytes(4).toString("hex")}`,
      });
    const { code, status, message: text } = FAILURES[failure.errorCode];
    const details: Record<string, unknown>[] = [
      { "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: failure.errorCode },
    ];
    if (failure.fieldViolations) {
      const fieldViolations = failure.fieldViolations.map((field) => ({
        field,
        description: `Invalid value at '${field}'`,
      }));
      details.unshift({ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations });
    }
    json(
      res,
      code,
      { error: { code, message: text, status, details } },
      failure.retryAfter ? { "retry-after": failure.retryAfter } : {},
    );
  }

  const server = createServer((req, res) => {
    const handle =
      req.method === "POST" && req.url === "/token"
        ? token
        : req.method === "POST" && req.url === `/v1/projects/${projectId}/messages:send`
          ? send
          : null;
    if (!handle)
      return json(res, 404, {
        error: { code: 404, status: "NOT_FOUND", message: `no route ${req.method} ${req.url}` },
      });
    handle(req, res).catch((error: unknown) =>
      json(res, 500, { error: { code: 500, status: "INTERNAL", message: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    projectId,
    serviceAccount,
    /** FCM_ENDPOINT for the transport. */
    endpoint: base,
    /** FCM_TOKEN_URL for the transport. */
    tokenUrl: `${base}/token`,
    grants,
    refusedGrants,
    received,
    /** The next sends to `token` fail with these errors, in order; then it accepts. */
    script: (deviceToken: string, failures: FcmFailure[]) => scripts.set(deviceToken, [...failures]),
    /** Forgets every access token issued so far (as when Google revokes them): sends need a new grant. */
    revokeAccessTokens: () => issued.clear(),
    /** Messages received for one device token. */
    to: (deviceToken: string) => received.filter((m) => m.message.token === deviceToken),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A test FCM server. */
export type TestFcmServer = Awaited<ReturnType<typeof startFcmServer>>;

/** A registration token shaped like FCM's (~160 characters of [A-Za-z0-9_:-]). */
export const fcmToken = (): string =>
  `${randomBytes(16).toString("base64url")}:APA91b${randomBytes(100).toString("base64url")}`;
