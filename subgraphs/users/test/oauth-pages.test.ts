import { describe, expect, it } from "vitest";
import { csrfToken } from "../src/oauth/interaction-routes.ts";
import { redirectSources, renderConsentPage, renderLoginPage } from "../src/oauth/pages.ts";

// The authorization server's pages are built from data an ADMIN (app name) or a user typed: all escaped.
describe("OAuth pages", () => {
  it("escape the app's name and the email, and allow only their own nonce'd style", () => {
    const page = renderConsentPage({
      action: "/oauth/interaction/u1/consent",
      csrf: "t",
      appName: `<img src=x onerror="alert(1)">`,
      userEmail: `a"b@example.com`,
      scopes: ["read_orders"],
      withheld: ["write_products"],
      formTargets: ["https://app.example"],
    });
    expect(page.html).not.toContain("<img");
    expect(page.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; wants to access");
    expect(page.html).toContain("a&quot;b@example.com");
    const nonce = /style-src 'nonce-([^']+)'/.exec(page.csp)?.[1];
    expect(page.html).toContain(`<style nonce="${nonce}">`);
    expect(page.csp).toBe(
      `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' https://app.example; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(page.html).not.toMatch(/<script|https?:\/\/(?!app\.example)/);
  });

  it("use a fresh nonce per page and keep the typed email on a failed sign-in", () => {
    const input = {
      action: "/a",
      abortAction: "/b",
      csrf: "t",
      appName: "App",
      email: `x"><script>`,
      error: "Email or password is incorrect",
      formTargets: [],
    };
    const [one, two] = [renderLoginPage(input), renderLoginPage(input)];
    expect(one.csp).not.toBe(two.csp);
    expect(one.html).toContain(`value="x&quot;&gt;&lt;script&gt;"`);
    expect(one.csp).toContain("form-action 'self';");
  });

  it("name redirect targets by origin, or by scheme for native apps", () => {
    expect(
      redirectSources([
        "https://a.example/cb?x=1",
        "https://a.example/other",
        "http://127.0.0.1:8080/cb",
        "com.example.app:/cb",
        "not a url",
      ]),
    ).toEqual(["https://a.example", "http://127.0.0.1:8080", "com.example.app:"]);
  });

  it("bind CSRF tokens to the interaction and the key", () => {
    expect(csrfToken("key-1", "uid-1")).toBe(csrfToken("key-1", "uid-1"));
    expect(csrfToken("key-1", "uid-1")).not.toBe(csrfToken("key-1", "uid-2"));
    expect(csrfToken("key-1", "uid-1")).not.toBe(csrfToken("key-2", "uid-1"));
  });
});
