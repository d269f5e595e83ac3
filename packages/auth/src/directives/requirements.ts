import {
  Kind,
  type ConstDirectiveNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  isObjectType,
  isInterfaceType,
} from "graphql";

/**
 * What one field or type declares with Federation's authorization directives. `scopes` and
 * `policies` are OR-of-AND lists as in the spec: `[["a", "b"], ["c"]]` is (a AND b) OR c.
 */
export interface AccessRequirement {
  authenticated: boolean;
  scopes: readonly (readonly string[])[] | undefined;
  policies: readonly (readonly string[])[] | undefined;
}

/** Requirements of a schema, per type (type-level directives) and per `Type.field`. */
export interface AccessRequirements {
  type(name: string): AccessRequirement | undefined;
  field(typeName: string, fieldName: string): AccessRequirement | undefined;
  /** True when the schema declares no requirement at all (nothing to enforce). */
  readonly isEmpty: boolean;
}

/** The directive names as imported by the SDLs (`@link(..., import: ["@authenticated", ...])`, not renamed). */
export const AUTH_DIRECTIVES = ["authenticated", "requiresScopes", "policy"] as const;

function listOfLists(directive: ConstDirectiveNode, argument: string): string[][] | undefined {
  const value = directive.arguments?.find((a) => a.name.value === argument)?.value;
  if (!value || value.kind !== Kind.LIST) return undefined;
  return value.values.map((inner) =>
    inner.kind === Kind.LIST
      ? inner.values.flatMap((v) => (v.kind === Kind.STRING || v.kind === Kind.ENUM ? [v.value] : []))
      : [],
  );
}

// Several directives of one kind (e.g. from two subgraphs' extensions) must all hold: AND of the ORs,
// distributed back into one OR-of-ANDs list.
const andOf = (a: string[][] | undefined, b: string[][] | undefined): string[][] | undefined =>
  !a ? b : !b ? a : a.flatMap((x) => b.map((y) => [...new Set([...x, ...y])]));

function requirementOf(directives: readonly ConstDirectiveNode[]): AccessRequirement | undefined {
  let authenticated = false;
  let scopes: string[][] | undefined;
  let policies: string[][] | undefined;
  for (const d of directives) {
    if (d.name.value === "authenticated") authenticated = true;
    else if (d.name.value === "requiresScopes") scopes = andOf(scopes, listOfLists(d, "scopes") ?? [[]]);
    else if (d.name.value === "policy") policies = andOf(policies, listOfLists(d, "policies") ?? [[]]);
  }
  return authenticated || scopes || policies ? { authenticated, scopes, policies } : undefined;
}

function directivesOf(node: {
  astNode?: { directives?: readonly ConstDirectiveNode[] } | null | undefined;
  extensionASTNodes?: readonly { directives?: readonly ConstDirectiveNode[] }[];
}): ConstDirectiveNode[] {
  return [...(node.astNode?.directives ?? []), ...(node.extensionASTNodes ?? []).flatMap((n) => n.directives ?? [])];
}

/**
 * Reads `@authenticated`, `@requiresScopes` and `@policy` from a schema's AST nodes: a subgraph
 * schema (buildSubgraphSchema keeps them) or the composed supergraph (built with buildASTSchema).
 */
export function collectAccessRequirements(schema: GraphQLSchema): AccessRequirements {
  const types = new Map<string, AccessRequirement>();
  const fields = new Map<string, AccessRequirement>();
  for (const type of Object.values<GraphQLNamedType>(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    const own = requirementOf(directivesOf(type));
    if (own) types.set(type.name, own);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const req = requirementOf(directivesOf(field));
        if (req) fields.set(`${type.name}.${field.name}`, req);
      }
    }
  }
  return {
    type: (name) => types.get(name),
    field: (typeName, fieldName) => fields.get(`${typeName}.${fieldName}`),
    isEmpty: types.size === 0 && fields.size === 0,
  };
}
