import { createHash, randomBytes } from "node:crypto";

/** A minimal cookie jar for driving the authorization server's pages over HTTP (names only; paths ignored). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Fetches without following redirects, keeping cookies. */
export async function step(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string | string[]> } = {},
): Promise<Response> {
  const body = init.form
    ? new URLSearchParams(
        Object.entries(init.form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
      )
    : undefined;
  const res = await fetch(url, {
    method: init.method ?? (body ? "POST" : "GET"),
    redirect: "manual",
    headers: { cookie: jar.header(), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    ...(body ? { body } : {}),
  });
  jar.store(res);
  return res;
}

/** The CSRF token in a page's form. */
export const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

/** What {@link authorize} needs. */
export interface AuthorizeInput {
  origin: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  email: string;
  password: string;
  /** Scopes left ticked on the consent page; default: all offered. */
  consent?: string[];
  decision?: "approve" | "deny";
  challenge?: string | null;
  /** Where the n-th request goes (replicas behind one issuer): default the issuer's origin itself. */
  via?: (n: number) => string;
}

/**
 * Runs an authorization request through sign-in and consent like a browser without JavaScript:
 * returns the final redirect to the app (its URL with code or error).
 */
export async function authorize(
  input: AuthorizeInput,
): Promise<{ redirect: URL; consentHtml: string; jar: CookieJar }> {
  const jar = new CookieJar();
  const params = new URLSearchParams({
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
    response_type: "code",
    scope: input.scope,
    state: "st-123",
    prompt: "consent",
  });
  if (input.challenge !== null) {
    params.set("code_challenge", input.challenge ?? pkce().challenge);
    params.set("code_challenge_method", "S256");
  }
  let requests = 0;
  // Every request carries the issuer's path; `via` decides which server answers it.
  const at = (url: URL | string) => {
    const target = new URL(url, input.origin);
    return input.via ? `${input.via(requests++)}${target.pathname}${target.search}` : target.href;
  };
  let res = await step(jar, at(`${input.origin}/oauth/auth?${params}`));
  let consentHtml = "";
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get("location");
    if (!location)
      throw new Error(
        `expected a redirect, got ${res.status}: ${/role="alert">([^<]*)/.exec(await res.text())?.[1] ?? ""}`,
      );
    const next = new URL(location, input.origin);
    if (next.origin + next.pathname === new URL(input.redirectUri).origin + new URL(input.redirectUri).pathname)
      return { redirect: next, consentHtml, jar };
    res = await step(jar, at(next));
    if (res.status !== 200) continue;
    const html = await res.text();
    const csrf = csrfOf(html);
    if (html.includes('name="password"')) {
      res = await step(jar, at(`${next.pathname}/login`), {
        form: { csrf, email: input.email, password: input.password },
      });
    } else {
      consentHtml = html;
      const offered = [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!);
      res = await step(jar, at(`${next.pathname}/consent`), {
        form: { csrf, decision: input.decision ?? "approve", scope: input.consent ?? offered },
      });
    }
  }
  throw new Error("too many redirects");
}

/** POSTs to the token endpoint (form-encoded), with HTTP Basic client authentication when a secret is given. */
export async function tokenRequest(
  origin: string,
  form: Record<string, string>,
  client?: { id: string; secret: string },
) {
  const res = await fetch(`${origin}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(client
        ? {
            authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString("base64")}`,
          }
        : {}),
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}
