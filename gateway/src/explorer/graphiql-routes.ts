import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RouteHandler } from "@shopgraph/http";
import { GRAPHIQL_INIT_SCRIPT } from "./graphiql-init.ts";

/** Options for {@link graphiqlRoutes}. */
export interface GraphiqlOptions {
  /** Where the page is served. Default "/graphiql"; its assets live under `<path>/`. */
  path?: string;
  /** The GraphQL endpoint the page talks to, relative to the page. Default "graphql" (→ /graphql). */
  endpoint?: string;
  /** The operation the editor opens with (first visit; GraphiQL then keeps the user's own in localStorage). */
  defaultQuery?: string;
  /** The variables editor's first content (JSON). */
  defaultVariables?: string;
  /** The headers editor's first content (JSON). */
  defaultHeaders?: string;
}

/**
 * GraphiQL's page: every script and style comes from the gateway itself, so nothing but 'self'
 * is allowed. Inline styles are needed by CodeMirror and GraphiQL's resizable panes; fonts and
 * icons are data: URLs inside graphiql.min.css.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The example the editor opens with: the `me` query, and the Login mutation that gets a token for it. */
export const DEFAULT_GRAPHIQL_QUERY = `# Shopgraph's local GraphiQL: served by the gateway from npm packages, offline (development only).
# Anonymous, \`me\` is null. Run Login (its variables are below), copy session.accessToken, put
#   { "Authorization": "Bearer <accessToken>" }
# in the Headers tab, and run Me again.
query Me {
  me {
    id
    name
    email
    role
    unreadNotificationCount
    orders(first: 3) { totalCount edges { node { number status total { amount currencyCode } } } }
  }
}

mutation Login($input: LoginInput!) {
  login(input: $input) {
    session { accessToken user { email role } }
    userErrors { code message }
  }
}
`;

/** The seeded development customer (README "Quick start"). */
export const DEFAULT_GRAPHIQL_VARIABLES = JSON.stringify(
  { input: { email: "customer@shopgraph.dev", password: "customer-password-123" } },
  null,
  2,
);

interface Asset {
  type: string;
  body: Buffer;
  gzipped?: Buffer;
}

const require = createRequire(import.meta.url);
/** A file of an installed package; package.json is always exported, so resolve that and walk from it. */
const packageFile = (pkg: string, file: string) =>
  readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file));

function send(req: IncomingMessage, res: ServerResponse, asset: Asset, headers: Record<string, string> = {}): void {
  // The bundles are ~1.5 MB; gzip them once, on first use.
  const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  if (gzip) asset.gzipped ??= gzipSync(asset.body);
  const body = gzip && asset.gzipped ? asset.gzipped : asset.body;
  res.writeHead(200, {
    "content-type": asset.type,
    "content-length": body.length,
    // Revalidated on every load: the files change only when the packages are upgraded.
    "cache-control": "no-cache",
    vary: "accept-encoding",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

const escapeJsonForHtml = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/**
 * Routes of the local explorer: GraphiQL 3 with React 18, from their prebuilt UMD files in
 * node_modules (no bundler, no CDN), at `/graphiql`. For development: production turns it off.
 */
export function graphiqlRoutes(options: GraphiqlOptions = {}): Record<string, RouteHandler> {
  const path = options.path ?? "/graphiql";
  const base = path.split("/").pop() ?? "graphiql";
  const assets: Record<string, Asset> = {
    "react.production.min.js": {
      type: "text/javascript; charset=utf-8",
      body: packageFile("react", "umd/react.production.min.js"),
    },
    "react-dom.production.min.js": {
      type: "text/javascript; charset=utf-8",
      body: packageFile("react-dom", "umd/react-dom.production.min.js"),
    },
    "graphiql.min.js": { type: "text/javascript; charset=utf-8", body: packageFile("graphiql", "graphiql.min.js") },
    "graphiql.min.css": { type: "text/css; charset=utf-8", body: packageFile("graphiql", "graphiql.min.css") },
    "init.js": { type: "text/javascript; charset=utf-8", body: Buffer.from(GRAPHIQL_INIT_SCRIPT) },
  };
  const config = {
    endpoint: options.endpoint ?? "graphql",
    defaultQuery: options.defaultQuery ?? DEFAULT_GRAPHIQL_QUERY,
    defaultVariables: options.defaultVariables ?? DEFAULT_GRAPHIQL_VARIABLES,
    defaultHeaders: options.defaultHeaders ?? "{}",
  };
  // The config travels as a JSON data block (never executed, so the CSP needs no inline script).
  const page: Asset = {
    type: "text/html; charset=utf-8",
    body: Buffer.from(`<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Shopgraph GraphiQL</title>
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="${base}/graphiql.min.css" />
  <style>body { margin: 0; height: 100vh; overflow: hidden; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script type="application/json" id="graphiql-config">${escapeJsonForHtml(config)}</script>
  <script src="${base}/react.production.min.js"></script>
  <script src="${base}/react-dom.production.min.js"></script>
  <script src="${base}/graphiql.min.js"></script>
  <script src="${base}/init.js"></script>
</body>
</html>
`),
  };
  const routes: Record<string, RouteHandler> = {
    [`GET ${path}`]: (req, res) => send(req, res, page, { "content-security-policy": GRAPHIQL_CSP }),
  };
  for (const [file, asset] of Object.entries(assets))
    routes[`GET ${path}/${file}`] = (req, res) => send(req, res, asset);
  return routes;
}
