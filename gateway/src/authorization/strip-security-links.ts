import { Kind, parse, print, visit, type DirectiveNode } from "graphql";

/** The authorization specs composition links `for: SECURITY` (Federation 2.5/2.6). */
export const SECURITY_SPECS = [
  "https://specs.apollo.dev/authenticated/",
  "https://specs.apollo.dev/requiresScopes/",
  "https://specs.apollo.dev/policy/",
] as const;

const stringArg = (directive: DirectiveNode, name: string) => {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
};
const enumArg = (directive: DirectiveNode, name: string) => {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM ? value.value : undefined;
};

/** The local name a `@link` gives its spec: `as:`, else the spec's name in its URL (`…/requiresScopes/v0.1`). */
function linkedName(link: DirectiveNode): string | undefined {
  const url = stringArg(link, "url");
  if (!url) return undefined;
  return stringArg(link, "as") ?? url.split("/").at(-2);
}

// @inaccessible is for: SECURITY too, but Apollo implements it: only the authorization specs go.
const isSecurityLink = (d: DirectiveNode) => {
  const url = d.name.value === "link" && enumArg(d, "for") === "SECURITY" ? stringArg(d, "url") : undefined;
  return url !== undefined && SECURITY_SPECS.some((spec) => url.startsWith(spec));
};

/**
 * The supergraph as @apollo/gateway's planner can take it: the authorization specs linked
 * `for: SECURITY` (@authenticated, @requiresScopes, @policy) removed with its directive definitions, its types
 * (`requiresScopes__Scope`, `policy__Policy`) and every application. Apollo's gateway refuses a
 * supergraph with a SECURITY link it does not implement; Shopgraph enforces those directives
 * itself from the original file (authorization plugin), so the planner does not need them.
 * Returns the input unchanged when it has no such link.
 */
export function stripSecurityLinks(supergraphSdl: string): string {
  const document = parse(supergraphSdl);
  const names = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      const name = isSecurityLink(directive) ? linkedName(directive) : undefined;
      if (name) names.add(name);
    }
  }
  if (names.size === 0) return supergraphSdl;
  const owned = (typeName: string) => [...names].some((n) => typeName.startsWith(`${n}__`));
  const stripped = visit(document, {
    Directive: (node: DirectiveNode) => (names.has(node.name.value) || isSecurityLink(node) ? null : undefined),
    DirectiveDefinition: (node) => (names.has(node.name.value) ? null : undefined),
    ScalarTypeDefinition: (node) => (owned(node.name.value) ? null : undefined),
    EnumTypeDefinition: (node) => (owned(node.name.value) ? null : undefined),
  });
  return `${print(stripped)}\n`;
}
