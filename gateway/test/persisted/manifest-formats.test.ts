import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import { createTrustedDocumentMatcher, loadManifests, validateManifest } from "../../src/persisted/manifest.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "sg-manifests-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Apollo iOS `.legacy` and Apollo Kotlin `operationOutput.json`: an id-keyed map; the source is the
// operation followed by its fragments, joined by newlines, exactly as the app sends it.
const iosSource = [
  "query ProductCard($slug: String!) { product(slug: $slug) { __typename ...ProductFields } }",
  "fragment ProductFields on Product { __typename id title }",
].join("\n");
const CARD = "query ProductCard($slug: String!) { product(slug: $slug) { __typename ...ProductFields } }";
const kotlinSource = "query KotlinMe { me { __typename id name } }";
// Apollo iOS `.persistedQueries` / Apollo Kotlin `persistedQueryManifest`: Apollo's common format.
const pqmBody =
  "mutation AppLogin($input: LoginInput!) { login(input: $input) { __typename session { __typename accessToken } } }";

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

describe("manifest formats of Apollo's mobile tooling", () => {
  const ios = write("ios-legacy.json", { [sha(iosSource)]: { name: "ProductCard", source: iosSource } });
  const kotlin = write("android-operationOutput.json", {
    [sha(kotlinSource)]: { name: "KotlinMe", source: kotlinSource },
  });
  const pqm = write("ios-pqm.json", {
    format: "apollo-persisted-query-manifest",
    version: 1,
    operations: [{ id: sha(pqmBody), body: pqmBody, name: "AppLogin", type: "mutation" }],
  });

  it("loads Apollo iOS' legacy map, Apollo Kotlin's operationOutput and the persisted-query-manifest format into one map", () => {
    const ops = loadManifests([ios, kotlin, pqm]);
    expect(ops.get(sha(iosSource))).toEqual({
      id: sha(iosSource),
      name: "ProductCard",
      type: "query",
      body: iosSource,
    });
    expect(ops.get(sha(kotlinSource))?.name).toBe("KotlinMe");
    expect(ops.get(sha(pqmBody))?.type).toBe("mutation");
    expect(ops.size).toBe(3);
  });

  it("loads every .json file of a folder (one file per app version)", () => {
    const folder = join(dir, "versions");
    mkdirSync(folder);
    writeFileSync(
      join(folder, "ios-2.3.0.json"),
      JSON.stringify({ [sha(iosSource)]: { name: "ProductCard", source: iosSource } }),
    );
    writeFileSync(
      join(folder, "android-5.1.0.json"),
      JSON.stringify({ [sha(kotlinSource)]: { name: "KotlinMe", source: kotlinSource } }),
    );
    writeFileSync(join(folder, "README.md"), "not a manifest");
    expect([...loadManifests([folder]).values()].map((op) => op.name).sort()).toEqual(["KotlinMe", "ProductCard"]);
  });

  it("refuses an entry whose id is not the sha256 of its body, in both formats", () => {
    expect(() => validateManifest({ ["0".repeat(64)]: { name: "X", source: kotlinSource } }, "legacy.json")).toThrow(
      /legacy.json: operation X has an id that is not the sha256/,
    );
    expect(() =>
      validateManifest(
        {
          format: "apollo-persisted-query-manifest",
          version: 1,
          operations: [{ id: "abc", name: "Y", type: "query", body: pqmBody }],
        },
        "pqm.json",
      ),
    ).toThrow(/operation Y/);
  });

  it("refuses unknown formats, other versions and legacy entries with two operations", () => {
    expect(() => validateManifest([], "a.json")).toThrow(/not a persisted query manifest/);
    expect(() =>
      validateManifest({ format: "apollo-persisted-query-manifest", version: 2, operations: [] }, "b.json"),
    ).toThrow(/version 1/);
    const two = "query A { me { id } }\nquery B { me { id } }";
    expect(() => validateManifest({ [sha(two)]: { name: "A", source: two } }, "c.json")).toThrow(
      /exactly one operation/,
    );
    expect(() => validateManifest({ [sha(two)]: { name: "A" } }, "d.json")).toThrow(/needs a name and a source/);
  });
});

describe("full-text matching", () => {
  const ops = loadManifests([write("match.json", { [sha(iosSource)]: { name: "ProductCard", source: iosSource } })]);
  const match = createTrustedDocumentMatcher(ops);

  it("matches the same operation with other whitespace, commas and fragment order", () => {
    const reordered =
      "fragment ProductFields on Product { __typename, id, title }\n\n" +
      "query ProductCard($slug: String!) {\n  product(slug: $slug) { __typename ...ProductFields }\n}";
    expect(match(parse(reordered))?.name).toBe("ProductCard");
  });

  it("does not match a document that differs in any selection, argument or name", () => {
    expect(
      match(parse(`${CARD}\nfragment ProductFields on Product { __typename id title price { amount } }`)),
    ).toBeUndefined();
    expect(
      match(parse(`${CARD.replace("$slug)", '"x")')}\nfragment ProductFields on Product { __typename id title }`)),
    ).toBeUndefined();
    expect(
      match(
        parse(`${CARD.replace("ProductCard", "Other")}\nfragment ProductFields on Product { __typename id title }`),
      ),
    ).toBeUndefined();
  });
});
