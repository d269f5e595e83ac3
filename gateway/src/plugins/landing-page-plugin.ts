import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";

/** Apollo Sandbox (embedded) in development; no landing page at all in production. */
export function landingPagePlugin(production: boolean): ApolloServerPlugin {
  return production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
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
