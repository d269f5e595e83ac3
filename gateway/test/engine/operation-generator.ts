import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isAbstractType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";

/**
 * Random but reproducible operations over the API schema, for the engine's differential suite:
 * fields with arguments (literals and variables), aliases, inline fragments and named fragments
 * (on the type itself, or on an interface/union when the schema has one), repeated fields that
 * Apollo merges, `__typename`, and @skip/@include with variables or literals.
 */

/** A generated request. */
export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface State {
  rng: () => number;
  vars: Map<string, { type: string; value: unknown }>;
  fragments: string[];
  fieldBudget: number;
}

const int = (s: State, n: number) => Math.floor(s.rng() * n);
const chance = (s: State, p: number) => s.rng() < p;

function literalFor(type: GraphQLInputType, s: State, depth = 0): { text: string; value: unknown } {
  if (isNonNullType(type)) return literalFor(type.ofType, s, depth);
  if (isListType(type)) {
    const one = literalFor(type.ofType, s, depth + 1);
    return { text: `[${one.text}]`, value: [one.value] };
  }
  if (isEnumType(type)) {
    const values = type.getValues();
    const v = values[int(s, values.length)]!.name;
    return { text: v, value: v };
  }
  if (isInputObjectType(type)) {
    const parts: string[] = [];
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (!isNonNullType(field.type) && (depth > 1 || !chance(s, 0.3))) continue;
      const inner = literalFor(field.type, s, depth + 1);
      parts.push(`${field.name}: ${inner.text}`);
      value[field.name] = inner.value;
    }
    return { text: `{${parts.join(", ")}}`, value };
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int": {
        const v = 1 + int(s, 4);
        return { text: String(v), value: v };
      }
      case "Float":
        return { text: "1.5", value: 1.5 };
      case "Boolean": {
        const v = chance(s, 0.5);
        return { text: String(v), value: v };
      }
      case "ID": {
        const v = `id${int(s, 97)}`;
        return { text: JSON.stringify(v), value: v };
      }
      case "DateTime":
        return { text: '"2026-01-01T00:00:00.000Z"', value: "2026-01-01T00:00:00.000Z" };
      default: {
        const v = `s${int(s, 50)}`;
        return { text: JSON.stringify(v), value: v };
      }
    }
  }
  return { text: "null", value: null };
}

function argumentsFor(field: GraphQLField<unknown, unknown>, s: State): string {
  const parts: string[] = [];
  for (const arg of field.args) {
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
    if (!required && !chance(s, 0.35)) continue;
    const literal = literalFor(arg.type, s);
    if (chance(s, 0.4)) {
      const name = `v${s.vars.size}`;
      // Some optional variables are declared but left unset (defaults and absence must match too).
      const omit = !isNonNullType(arg.type) && chance(s, 0.2);
      s.vars.set(name, { type: String(arg.type), value: omit ? undefined : literal.value });
      parts.push(`${arg.name}: $${name}`);
    } else {
      parts.push(`${arg.name}: ${literal.text}`);
    }
  }
  return parts.length ? `(${parts.join(", ")})` : "";
}

function condition(s: State): string {
  if (!chance(s, 0.15)) return "";
  const directive = chance(s, 0.5) ? "skip" : "include";
  if (chance(s, 0.3)) return ` @${directive}(if: ${String(chance(s, 0.5))})`;
  const name = `c${s.vars.size}`;
  s.vars.set(name, { type: "Boolean!", value: chance(s, 0.5) });
  return ` @${directive}(if: $${name})`;
}

function possibleConditions(schema: GraphQLSchema, type: GraphQLObjectType): GraphQLNamedType[] {
  const abstract = Object.values(schema.getTypeMap()).filter((t) => isAbstractType(t) && schema.isSubType(t, type));
  return [type, ...abstract];
}

function selectionSet(schema: GraphQLSchema, type: GraphQLObjectType, s: State, depth: number): string {
  const fields = Object.values(type.getFields());
  const picks: string[] = [];
  const want = 1 + int(s, depth === 0 ? 3 : 5);
  const usedAliases = new Set<string>();
  for (let i = 0; i < want && s.fieldBudget > 0; i++) {
    if (chance(s, 0.12)) {
      picks.push(chance(s, 0.5) ? "__typename" : `t${i}: __typename`);
      continue;
    }
    const field = fields[int(s, fields.length)]!;
    const named = getNamedType(field.type);
    if (!isLeafType(named) && depth >= 4) continue;
    s.fieldBudget--;
    let alias = "";
    if (chance(s, 0.2)) {
      alias = `a${depth}_${i}`;
      if (usedAliases.has(alias)) continue;
      usedAliases.add(alias);
      alias += ": ";
    }
    // Arguments only on unaliased-distinct fields would conflict; give args-bearing repeats an alias.
    const args = argumentsFor(field, s);
    if (args && !alias) {
      alias = `f${depth}_${i}_${field.name}: `;
    }
    const sub = isObjectType(named) ? ` { ${selectionSet(schema, named, s, depth + 1)} }` : "";
    let text = `${alias}${field.name}${args}${condition(s)}${sub}`;
    const roll = s.rng();
    const conditions = possibleConditions(schema, type);
    const on = conditions[int(s, conditions.length)]!.name;
    if (roll < 0.1) text = `... on ${on}${condition(s)} { ${text} }`;
    else if (roll < 0.16) text = `...${condition(s)} { ${text} }`;
    else if (roll < 0.22) {
      const name = `F${s.fragments.length}`;
      s.fragments.push(`fragment ${name} on ${on} { ${text} }`);
      text = `...${name}${condition(s)}`;
    }
    picks.push(text);
    // Repeat the same field in a fragment sometimes: Apollo merges the selections.
    if (chance(s, 0.08)) picks.push(`... on ${type.name} { ${alias}${field.name}${args}${sub} }`);
  }
  if (picks.length === 0) picks.push("__typename");
  return picks.join(" ");
}

/** Generates one operation (query, or mutation with probability `mutations`). */
export function generateOperation(schema: GraphQLSchema, seed: number, mutations = 0.1): GeneratedOperation {
  const s: State = { rng: prng(seed), vars: new Map(), fragments: [], fieldBudget: 40 };
  const root = chance(s, mutations) && schema.getMutationType() ? schema.getMutationType()! : schema.getQueryType()!;
  const body = selectionSet(schema, root, s, 0);
  const definitions = [...s.vars.entries()].map(([name, v]) => `$${name}: ${v.type}`);
  const keyword = root === schema.getMutationType() ? "mutation" : "query";
  const query = `${keyword} Generated${seed}${definitions.length ? `(${definitions.join(", ")})` : ""} { ${body} }\n${s.fragments.join("\n")}`;
  const variables: Record<string, unknown> = {};
  for (const [name, v] of s.vars) if (v.value !== undefined) variables[name] = v.value;
  return { query, variables };
}

/** True when the named type can be selected without a sub-selection. */
export const isLeaf = (type: GraphQLInputType | GraphQLNamedType) => isLeafType(getNullableType(type as never));
