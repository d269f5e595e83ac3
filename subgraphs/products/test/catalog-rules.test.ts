import { describe, expect, it } from "vitest";
import { loadProductsConfig } from "../src/config.ts";
import { checkPrice, resolveSlug, suffixSlug, SLUG_PATTERN } from "../src/domain/catalog-rules.ts";
import { decodeProductCursor, productCursor } from "../src/domain/product-cursor.ts";
import { toPrefixTsQuery } from "../src/domain/search-query.ts";

describe("catalog rules", () => {
  it("parses prices into minor units", () => {
    expect(["19.99", "5", "0.5", " 7.10 ", "9999999999.99"].map((p) => checkPrice(p, ["price"]))).toEqual(
      [1999n, 500n, 50n, 710n, 999999999999n].map((value) => ({ ok: true, value })),
    );
    for (const bad of ["0", "0.00", "-1", "1.234", "1,5", "", ".5", "1e2", "NaN"])
      expect(checkPrice(bad, ["price"]).ok).toBe(false);
  });

  it("derives slugs within 100 characters and keeps suffixed slugs valid", () => {
    expect(resolveSlug(undefined, "  Crème Brûlée — Deluxe Édition ", ["slug"])).toEqual({
      ok: true,
      value: { slug: "creme-brulee-deluxe-edition", derived: true },
    });
    const long = resolveSlug(null, "word ".repeat(60), ["slug"]);
    expect(long.ok && long.value.slug.length <= 100 && SLUG_PATTERN.test(long.value.slug)).toBe(true);
    const suffixed = suffixSlug("a".repeat(100));
    expect(suffixed.length).toBeLessThanOrEqual(100);
    expect(SLUG_PATTERN.test(suffixed)).toBe(true);
  });

  it("builds prefix tsqueries from words only", () => {
    expect(toPrefixTsQuery("  Wool  sca ")).toBe("wool:* & sca:*");
    expect(toPrefixTsQuery("a & b | !c <-> d:*")).toBe("a:* & b:* & c:* & d:*");
    expect(toPrefixTsQuery("   ")).toBeUndefined();
    expect(toPrefixTsQuery("?!")).toBe("");
  });

  it("round-trips cursors and rejects them under another scope", () => {
    const row = {
      id: "0285183f-b8e6-5a03-b0e6-89b93bd5dc92",
      title: "Ünïcödé ".repeat(25),
      priceMinor: 1999n,
      createdAt: new Date("2026-01-01T00:00:00.000Z"),
      rank: 0.0607927106320858,
    } as never;
    for (const sortKey of ["CREATED_AT", "TITLE", "PRICE", "RELEVANCE"] as const) {
      const scope = { sortKey, reverse: false, tsQuery: "wool:*" };
      expect(decodeProductCursor(productCursor(row, scope), scope).id).toBe("0285183f-b8e6-5a03-b0e6-89b93bd5dc92");
      expect(() => decodeProductCursor(productCursor(row, scope), { ...scope, reverse: true })).toThrow(/different/);
    }
    expect(
      decodeProductCursor(productCursor(row, { sortKey: "RELEVANCE", reverse: false, tsQuery: "a:*" }), {
        sortKey: "RELEVANCE",
        reverse: false,
        tsQuery: "a:*",
      }).key,
    ).toBe(0.0607927106320858);
  });
});

describe("config", () => {
  it("has the documented defaults", () => {
    const config = loadProductsConfig({ NODE_ENV: "test" });
    expect(config).toMatchObject({
      PORT: 4002,
      LOW_STOCK_THRESHOLD: 5,
      RESERVATION_TTL_SECONDS: 900,
      JWKS_URL: "http://127.0.0.1:4001/.well-known/jwks.json",
      REDIS_KEY_PREFIX: "sg:",
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it("requires SERVICE_TOKEN in production and reports every invalid variable at once", () => {
    const issues = (env: Record<string, string>) => {
      try {
        loadProductsConfig(env);
        return [];
      } catch (error) {
        return (error as { issues: string[] }).issues.map((i) => i.split(":")[0]);
      }
    };
    expect(issues({ NODE_ENV: "production" })).toEqual(["SERVICE_TOKEN", "GATEWAY_TOKEN"]);
    expect(
      issues({
        NODE_ENV: "test",
        LOW_STOCK_THRESHOLD: "-1",
        RESERVATION_TTL_SECONDS: "0",
        JWKS_URL: "not a url",
      }).sort(),
    ).toEqual(["JWKS_URL", "LOW_STOCK_THRESHOLD", "RESERVATION_TTL_SECONDS"]);
    expect(issues({ NODE_ENV: "production", SERVICE_TOKEN: "s".repeat(32), GATEWAY_TOKEN: "g".repeat(32) })).toEqual(
      [],
    );
  });
});
