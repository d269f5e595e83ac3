import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { selectsField } from "../src/index.ts";

/** The resolve info of the operation's first root field, as GraphQL would hand it to its resolver. */
function infoOf(document: string) {
  const doc = parse(document);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
}

describe("selectsField", () => {
  it("finds a field selected directly, through inline fragments and through named fragments", () => {
    expect(selectsField(infoOf("{ products { totalCount } }"), "totalCount")).toBe(true);
    expect(selectsField(infoOf("{ products { n: totalCount } }"), "totalCount")).toBe(true);
    expect(selectsField(infoOf("{ products { ... on ProductConnection { totalCount } } }"), "totalCount")).toBe(true);
    expect(
      selectsField(
        infoOf(
          "{ products { ...A } } fragment A on ProductConnection { ...B } fragment B on ProductConnection { totalCount }",
        ),
        "totalCount",
      ),
    ).toBe(true);
  });

  it("ignores the same name deeper down, and survives fragment cycles", () => {
    expect(selectsField(infoOf("{ products { edges { node { totalCount } } } }"), "totalCount")).toBe(false);
    expect(selectsField(infoOf("{ products { edges { cursor } } }"), "totalCount")).toBe(false);
    expect(selectsField(infoOf("{ products }"), "totalCount")).toBe(false);
    expect(
      selectsField(
        infoOf("{ products { ...A } } fragment A on ProductConnection { ...A edges { cursor } }"),
        "totalCount",
      ),
    ).toBe(false);
  });
});
