import { describe, expect, it } from "vitest";
import { buildSchema, coerceInputValue, parse, validate } from "graphql";
import { createErrorFormatter, maskSchemaDetails } from "../src/index.ts";

// Names a probe never writes: if one appears in a masked message, the schema leaked.
const schema = buildSchema(`
  type Query { viewer: Account  item(ref: ID!, kind: Flavour): Widget  items(first: Int): [Widget!]! }
  type Mutation { signIn(credentials: SecretInput!): Account }
  type Account { handle: String!  widgets: [Widget!]! }
  type Widget { label: String! }
  input SecretInput { login: String!  passphrase: String! }
  enum Flavour { SWEET SOUR }
`);
const HIDDEN = [
  "Account",
  "Widget",
  "SecretInput",
  "Flavour",
  "Query",
  "Mutation",
  "ref",
  "passphrase",
  "SWEET",
  "SOUR",
  "ID!",
  "String!",
];

const probes = [
  "{ viewer { nope } }",
  "{ viewer { handle { x } } }",
  "{ viewer }",
  '{ item(reff: "1") { label } }',
  "{ item { label } }",
  '{ item(ref: "1", kind: BITTER) { label } }',
  '{ items(first: "x") { label } }',
  'mutation { signIn(credentials: { login: "a" }) { handle } }',
  'mutation { signIn(credentials: { login: "a", passphrase: "b", extra: 1 }) { handle } }',
  "query($x: Int) { item(ref: $x) { label } }",
  "{ viewer { ... on Widget { label } } }",
  "{ viewer { handle: widgets { label } handle } }",
];

describe("maskSchemaDetails (production validation messages)", () => {
  it.each(probes)("graphql-js's errors for %s name nothing the probe did not write", (query) => {
    const errors = validate(schema, parse(query));
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      const masked = maskSchemaDetails(error.message);
      for (const [, quoted] of masked.matchAll(/"([^"]+)"/g))
        expect(query, masked).toContain(quoted!.replace(/^\$/, ""));
      for (const name of HIDDEN)
        if (!query.includes(name))
          expect(masked, `${error.message} → ${masked}`).not.toMatch(
            new RegExp(`(^|[^\\w])${name.replace("!", "\\!")}([^\\w]|$)`),
          );
    }
  });

  it("masks variable coercion messages (input fields the client did not send)", () => {
    let message = "";
    coerceInputValue(
      { login: "a" },
      schema.getType("SecretInput") as never,
      (path, _value, error) => (message = `Variable "$c" got invalid value {"login":"a"}; ${error.message}`),
    );
    expect(message).toContain("passphrase");
    expect(maskSchemaDetails(message)).toBe('Variable "$c" got an invalid value.');
  });

  it("applies only with hideSchemaDetails, only to request-level validation/input errors", () => {
    const leak = {
      message: 'Cannot query field "nope" on type "Account".',
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    };
    expect(createErrorFormatter({ hideSchemaDetails: true })(leak).message).toBe(
      'Cannot query field "nope" on this type.',
    );
    expect(createErrorFormatter({ showSuggestions: true })(leak).message).toBe(leak.message);
    const domain = {
      message: '`first` must be at most 100 on type "x"',
      path: ["items"],
      extensions: { code: "BAD_USER_INPUT" },
    };
    expect(createErrorFormatter({ hideSchemaDetails: true })(domain).message).toBe(domain.message);
  });
});
