import type { IncomingMessage } from "node:http";
import { HeaderMap } from "@apollo/server";
import { viewerFromAuthorization, type Viewer, type VerifyAccessToken } from "@shopgraph/auth";
import type { GraphQLFormattedError } from "graphql";

/** Who is subscribing over HTTP (multipart or SSE): the Bearer header, verified like a query's. */
export type HttpSubscriber =
  | { ok: true; viewer: Viewer | null; token: string | null; headers: HeaderMap }
  | { ok: false; status: number; errors: GraphQLFormattedError[] };

/** Verifies the Authorization header; a bad token is a 401 with the verifier's coded error. */
export async function httpSubscriber(req: IncomingMessage, verify: VerifyAccessToken): Promise<HttpSubscriber> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  try {
    const viewer = await viewerFromAuthorization(req.headers.authorization, verify);
    return {
      ok: true,
      viewer,
      token: viewer ? (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") : null,
      headers,
    };
  } catch (error) {
    const coded = error as { toJSON?: () => GraphQLFormattedError; message?: string };
    return {
      ok: false,
      status: 401,
      errors: [coded.toJSON ? coded.toJSON() : { message: "Invalid token", extensions: { code: "UNAUTHENTICATED" } }],
    };
  }
}

/** The GraphQL parameters of a JSON body; null when it is not a JSON object with a string `query` (or persisted-query extensions). */
export function graphqlParams(body: unknown): {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
} | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const object = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (b.query !== undefined && typeof b.query !== "string") return null;
  if (b.variables !== undefined && b.variables !== null && !object(b.variables)) return null;
  if (b.extensions !== undefined && b.extensions !== null && !object(b.extensions)) return null;
  if (b.query === undefined && !object(b.extensions)) return null;
  return {
    ...(typeof b.query === "string" ? { query: b.query } : {}),
    ...(object(b.variables) ? { variables: b.variables as Record<string, unknown> } : {}),
    ...(typeof b.operationName === "string" ? { operationName: b.operationName } : {}),
    ...(object(b.extensions) ? { extensions: b.extensions as Record<string, unknown> } : {}),
  };
}
