import type { ApolloServerPlugin, GraphQLServerListener, LandingPage } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";

/** Where the local explorer lives, relative to /graphql (so a path prefix in front of the gateway still works). */
const LOCAL_EXPLORER = "graphiql";

/**
 * Apollo's Sandbox page loads its script from Apollo's CDN; offline the script fails and the page
 * only says "Apollo Sandbox cannot be loaded". Right after that script tag (scripts run in order),
 * a script with the page's own nonce sends the browser to the local GraphiQL when Sandbox is
 * missing, and the fallback text links there too.
 */
export function withOfflineFallback(html: string): string {
  const nonce = /nonce="([0-9a-f]+)"/.exec(html)?.[1];
  const sandboxScript =
    /<script nonce="[0-9a-f]+" src="https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\/[^"]*"><\/script>/.exec(
      html,
    )?.[0];
  // Apollo Server changed its page: keep it as it is rather than break it.
  if (!nonce || !sandboxScript) return html;
  const redirect =
    `<script nonce="${nonce}">` +
    `if (typeof window.EmbeddedSandbox !== "function") window.location.replace(${JSON.stringify(LOCAL_EXPLORER)});` +
    "</script>";
  return html
    .replace(sandboxScript, `${sandboxScript}\n${redirect}`)
    .replace(
      "it appears that you might be offline.</p>",
      `it appears that you might be offline. Use the local <a href="${LOCAL_EXPLORER}">GraphiQL</a>.</p>`,
    );
}

/** Apollo Sandbox (embedded, falling back to the local GraphiQL offline) in development; no landing page in production. */
export function landingPagePlugin(production: boolean): ApolloServerPlugin {
  if (production) return ApolloServerPluginLandingPageDisabled();
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
  return {
    async serverWillStart(service): Promise<GraphQLServerListener> {
      const listener = (await sandbox.serverWillStart?.(service)) ?? {};
      const render = listener.renderLandingPage?.bind(listener);
      if (!render) return listener;
      return {
        ...listener,
        async renderLandingPage(): Promise<LandingPage> {
          const page = await render();
          const html = page.html;
          return {
            html: typeof html === "string" ? withOfflineFallback(html) : async () => withOfflineFallback(await html()),
          };
        },
      };
    },
  };
}

/**
 * The Sandbox page is an HTML shell whose scripts, styles and frames come from Apollo's CDNs;
 * this policy allows exactly those, and only on that page (API responses keep `default-src 'none'`).
 */
export const SANDBOX_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' https://embeddable-sandbox.cdn.apollographql.com https://apollo-server-landing-page.cdn.apollographql.com",
  "style-src 'self' 'unsafe-inline' https://apollo-server-landing-page.cdn.apollographql.com https://fonts.googleapis.com",
  "img-src 'self' data: https://apollo-server-landing-page.cdn.apollographql.com",
  "font-src 'self' https://fonts.gstatic.com",
  "frame-src https://sandbox.embed.apollographql.com",
  "connect-src 'self' https://*.apollographql.com",
  "frame-ancestors 'none'",
].join("; ");
