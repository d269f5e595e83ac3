import { describe, expect, it } from "vitest";
import { buildSchema, parse, validate, type OperationDefinitionNode } from "graphql";
import {
  countCredentialFields,
  DEFAULT_COST_MODEL,
  fragmentsOf,
  newBudget,
  operationLimitsRule,
  selectionCost,
} from "../src/index.ts";

// A subgraph-shaped schema: federation's _entities beside a paged list.
const schema = buildSchema(`
  scalar _Any
  union _Entity = User
  type User { id: ID! name: String! friends(first: Int = 20): [User!]! }
  type Query { _entities(representations: [_Any!]!): [_Entity]! users(first: Int = 20): [User!]! }
  type Mutation { login(email: String!): Boolean register(email: String!): Boolean }
`);
const limits = { maxDepth: 4, maxAliases: 2, maxRootFields: 3, maxDirectives: 3, maxFields: 50 };

const cost = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const root = operation.operation === "mutation" ? schema.getMutationType()! : schema.getQueryType()!;
  return selectionCost(
    schema,
    operation.selectionSet,
    root,
    fragmentsOf(document),
    variables,
    DEFAULT_COST_MODEL,
    newBudget(),
  );
};
const violations = (query: string) =>
  validate(schema, parse(query), [operationLimitsRule(limits)]).map((e) => e.extensions?.limit);

describe("subgraph operation limits", () => {
  it("multiplies an entity fetch by the representations it carries (variable or literal)", () => {
    const fetch = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }";
    expect(cost(fetch, { r: Array.from({ length: 100 }, () => ({})) })).toBe(1 + 100 * 2);
    expect(cost(fetch, { r: [{}] })).toBe(1 + 2);
    expect(cost("{ _entities(representations: [{}, {}, {}]) { ... on User { id } } }")).toBe(1 + 3);
  });

  it("multiplies by `first`, from the schema default when absent", () => {
    expect(cost("{ users(first: 100) { id friends(first: 10) { id } } }")).toBe(1 + 100 + 100 + 100 * 10);
    expect(cost("{ users { id } }")).toBe(1 + 20);
  });

  it("reports depth, aliases, root fields, directives and fields with their limit names", () => {
    expect(violations("{ users { friends { friends { friends { id } } } } }")).toEqual(["depth"]);
    expect(violations("{ a: users { id } b: users { id } c: users { id } }")).toEqual(["aliases"]);
    expect(violations("{ users { id } u2: users { id } __typename x: __typename }")).toContain("rootFields");
    const fragments = "fragment F on User { id name id name id name id name id name }";
    expect(violations(`{ users { ...F friends { ...F ...F ...F ...F ...F } } } ${fragments}`)).toEqual(["fields"]);
  });

  it("counts credential fields through aliases and fragments, minus what @include certainly skips", () => {
    const document =
      parse(`mutation($no: Boolean!) { a: login(email: "x") ...F ... on Mutation { login(email: "y") @include(if: $no) } }
      fragment F on Mutation { b: login(email: "z") register(email: "r") }`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const counts = countCredentialFields(
      operation,
      fragmentsOf(document),
      { no: false },
      new Set(["login", "register"]),
    );
    expect(Object.fromEntries(counts)).toEqual({ login: 2, register: 1 });
  });
});
