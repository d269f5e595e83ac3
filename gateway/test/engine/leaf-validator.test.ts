import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isEnumType, isScalarType, isValidLeafValue, Supergraph } from "@apollo/federation-internals";
import { describe, expect, it } from "vitest";
import { stripSecurityLinks } from "../../src/authorization/strip-security-links.ts";
import { leafValidator } from "../../src/engine/shape.ts";

// As the gateway's planner gets it (Apollo refuses the SECURITY links).
const api = Supergraph.build(
  stripSecurityLinks(
    readFileSync(fileURLToPath(new URL("../../../schema/supergraph.graphql", import.meta.url)), "utf8"),
  ),
).apiSchema();

describe("leafValidator", () => {
  it("answers as federation-internals' isValidLeafValue for every leaf type of the API schema", () => {
    const builtIns = [api.booleanType(), api.intType(), api.floatType(), api.idType(), api.stringType()];
    const leaves = [...builtIns, ...[...api.types()].filter((type) => isScalarType(type) || isEnumType(type))];
    const enumValues = leaves.flatMap((type) => (isEnumType(type) ? type.values.map((v) => v.name) : []));
    expect(enumValues.length).toBeGreaterThan(0);
    const values: unknown[] = [
      ...[true, false, 0, -0, 1, -7, 42, 1.5, -2.25, 1e21, 2 ** 53, NaN, Infinity, -Infinity],
      ...["", "0", "12", "1.5", "true", "USD", "not a value", ...enumValues, ...enumValues.map((v) => v.toLowerCase())],
      ...[null, undefined, {}, [], [1], 10n],
    ];
    let compared = 0;
    for (const type of leaves) {
      const valid = leafValidator(api, type);
      for (const value of values) {
        expect([type.name, value, valid(value)]).toEqual([type.name, value, isValidLeafValue(api, value, type)]);
        compared++;
      }
    }
    // Every built-in scalar, the custom scalars and the enums were all covered.
    expect(leaves.map((type) => type.name)).toEqual(
      expect.arrayContaining(["Boolean", "Int", "Float", "ID", "String"]),
    );
    expect(compared).toBe(leaves.length * values.length);
  });
});
