import { randomBytes } from "node:crypto";

/** A rendered page and the Content-Security-Policy it must be sent with (its style nonce). */
export interface Page {
  html: string;
  csp: string;
}

/** What each API scope lets an app do, as the consent screen says it. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  read_products: "See the product catalog",
  write_products: "Add and change products",
  read_orders: "See your orders",
  write_orders: "Place and cancel orders for you",
  read_customers: "See your name and email address",
  write_customers: "Change your profile",
  read_notifications: "Read your notifications",
  offline_access: "Keep access while you are away (until you withdraw it)",
};

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Escapes text for HTML content and quoted attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

// System fonts only, no images, no scripts: nothing leaves this origin, nothing runs.
const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:26rem;margin:0 auto;padding:2rem 1rem}.card{background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin:0 0 1rem}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=email],input[type=password]{width:100%;padding:.7rem;font-size:1rem;border:1px solid #b8bfcc;border-radius:8px}
ul{padding:0;list-style:none}li{padding:.5rem 0;border-bottom:1px solid #eceef2}li label{display:flex;gap:.6rem;font-weight:400;margin:0}
.actions{display:flex;gap:.75rem;margin-top:1.25rem;flex-wrap:wrap}button{flex:1 1 8rem;min-height:2.9rem;font-size:1rem;border-radius:8px;border:1px solid #1d4ed8;cursor:pointer}
.primary{background:#1d4ed8;color:#fff}.secondary{background:#fff;color:#1d4ed8}.error{background:#fdecec;color:#8a1c1c;padding:.6rem;border-radius:8px}
.muted{color:#5b6475;font-size:.9rem}`;

/**
 * Wraps a page body in the shared layout. The only style is an inline block allowed by a fresh
 * nonce; `form-action` names this origin plus the app's redirect targets, since browsers also check
 * the redirects a form submission leads to (consent → the app's redirect URI).
 */
export function layout(title: string, body: string, formTargets: readonly string[] = []): Page {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `form-action 'self' ${formTargets.join(" ")}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main><div class="card">${body}</div></main></body></html>`;
  return { html, csp };
}

/** CSP sources for an app's redirect URIs: their origins (http/https) or schemes (native apps). */
export function redirectSources(redirectUris: readonly string[]): string[] {
  const sources = new Set<string>();
  for (const uri of redirectUris) {
    if (!URL.canParse(uri)) continue;
    const url = new URL(uri);
    sources.add(url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol);
  }
  return [...sources];
}

/** The sign-in page of an authorization request. */
export function renderLoginPage(input: {
  action: string;
  abortAction: string;
  csrf: string;
  appName: string;
  email?: string;
  error?: string;
  formTargets: readonly string[];
}): Page {
  const body = `<h1>Sign in to continue to ${escapeHtml(input.appName)}</h1>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ""}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(input.email ?? "")}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>
<form method="post" action="${escapeHtml(input.abortAction)}"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<input type="hidden" name="decision" value="deny"><div class="actions"><button class="secondary" type="submit">Cancel</button></div></form>`;
  return layout(`Sign in · ${input.appName}`, body, input.formTargets);
}

/** The consent page: the app's name, who is signed in, and each scope it asks for (each can be unticked). */
export function renderConsentPage(input: {
  action: string;
  csrf: string;
  appName: string;
  userEmail: string;
  scopes: readonly string[];
  withheld: readonly string[];
  formTargets: readonly string[];
}): Page {
  const items = input.scopes
    .map(
      (scope) =>
        `<li><label><input type="checkbox" name="scope" value="${escapeHtml(scope)}" checked> <span>${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? scope)} <span class="muted">(${escapeHtml(scope)})</span></span></label></li>`,
    )
    .join("");
  const withheld =
    input.withheld.length > 0
      ? `<p class="muted">Not available to your account, so not granted: ${input.withheld.map(escapeHtml).join(", ")}</p>`
      : "";
  const body = `<h1>${escapeHtml(input.appName)} wants to access your Shopgraph account</h1>
<p class="muted">Signed in as ${escapeHtml(input.userEmail)}</p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
${items ? `<p>It will be able to:</p><ul>${items}</ul>` : "<p>It asks for no access to your data.</p>"}${withheld}
<div class="actions"><button class="primary" type="submit" name="decision" value="approve">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button></div>
</form>
<p class="muted">You can withdraw this at any time from your account.</p>`;
  return layout(`Authorize ${input.appName}`, body, input.formTargets);
}

/** An error page (expired link, bad request); the message is the provider's or ours, escaped. */
export function renderErrorPage(message: string): Page {
  return layout(
    "Something went wrong",
    `<h1>Something went wrong</h1><p class="error" role="alert">${escapeHtml(message)}</p><p class="muted">Go back to the app and start again.</p>`,
  );
}
