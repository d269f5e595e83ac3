import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { MAX_PATHS_PER_FETCH, unavailablePaths } from "../src/subgraphs/unavailable-paths.ts";

describe("paths of the fields a failed fetch leaves null", () => {
  it("names each root field by its response key, fragments flattened", () => {
    const doc = parse(
      "query { a: categories { slug } ...F me { name } } fragment F on Query { product(id: 1) { title } }",
    );
    expect(unavailablePaths(doc, {})).toEqual([["a"], ["product"], ["me"]]);
  });

  it("names each entity's fields as _entities[i].field, per __typename", () => {
    const doc = parse(`query($representations: [_Any!]!) { _entities(representations: $representations) {
      __typename ... on Product { title price { amount } } ... on Category { name } } }`);
    const representations = [
      { __typename: "Product", id: "1" },
      { __typename: "Category", id: "2" },
      { __typename: "Product", id: "3" },
    ];
    expect(unavailablePaths(doc, { representations })).toEqual([
      ["_entities", 0, "title"],
      ["_entities", 0, "price"],
      ["_entities", 1, "name"],
      ["_entities", 2, "title"],
      ["_entities", 2, "price"],
    ]);
  });

  it("stops at MAX_PATHS_PER_FETCH (a fan-out of thousands must not bloat the response)", () => {
    const doc = parse(
      "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { name } } }",
    );
    const representations = Array.from({ length: 5_000 }, (_, i) => ({ __typename: "User", id: String(i) }));
    expect(unavailablePaths(doc, { representations })).toHaveLength(MAX_PATHS_PER_FETCH);
  });

  it("gives nothing without a document", () => {
    expect(unavailablePaths(undefined, {})).toEqual([]);
  });
});
