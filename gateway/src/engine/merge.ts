import type { FetchDataRewrite, QueryPlanSelectionNode } from "@apollo/query-planner";
import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from "graphql";

/**
 * The data plumbing between fetches, with @apollo/gateway's semantics (deepMerge, the
 * representation extraction of `executeSelectionSet`, input/output rewrites), precompiled where
 * it depends only on the plan: a fetch's `requires` becomes one function per fetch node.
 */

type Data = Record<string, unknown>;
const hasOwn = Object.prototype.hasOwnProperty;

const isObject = (value: unknown): value is Data =>
  value !== undefined && value !== null && typeof value === "object" && !Array.isArray(value);

/** Defines `key` as an own property when only the prototype has it (never writes through it). */
function defineOwn(target: Data, key: string): void {
  if (!hasOwn.call(target, key) && key in target)
    Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
}

/** Apollo's deepMerge: objects merged key by key, equal-length arrays element-wise, anything else replaced. */
export function deepMerge(target: Data, source: unknown): Data {
  if (source === undefined || source === null) return target;
  const from = source as Data;
  for (const key in from) {
    if (!hasOwn.call(from, key)) continue;
    const value = from[key];
    if (value === undefined) continue;
    defineOwn(target, key);
    const existing = target[key];
    if (existing && isObject(value)) {
      deepMerge(existing as Data, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) deepMerge(existing[i] as Data, value[i]);
        else existing[i] = value[i];
      }
    } else {
      target[key] = value;
    }
  }
  return target;
}

/** Apollo's isObjectOfType (supergraph schema): does an object with this __typename match the condition? */
export function isObjectOfType(
  schema: GraphQLSchema,
  obj: Data,
  typeCondition: string,
  defaultOnUnknown = false,
): boolean {
  const typename = obj.__typename as string | undefined;
  if (!typename) return defaultOnUnknown;
  if (typeCondition === typename) return true;
  const type = schema.getType(typename);
  if (!type) return false;
  const condition = schema.getType(typeCondition);
  if (!condition) return false;
  if (isAbstractType(condition))
    return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(condition, type as never);
  return false;
}

/** A fetch's `requires` compiled: entity → representation, or null when an input is missing. */
export type ExtractRepresentation = (entity: Data) => Data | null;

/** Compiles the representation extractor of a fetch (Apollo's executeSelectionSet over `requires`). */
export function compileRequires(
  schema: GraphQLSchema,
  selections: readonly QueryPlanSelectionNode[],
): ExtractRepresentation {
  const run = (source: Data | null, set: readonly QueryPlanSelectionNode[]): Data | null => {
    if (source === null) return null;
    const result: Data = {};
    for (const selection of set) {
      if (selection.kind === "Field") {
        const name = selection.alias ?? selection.name;
        const inner = selection.selections;
        if (!hasOwn.call(source, name) || source[name] === undefined) return null;
        const value = source[name];
        if (Array.isArray(value)) result[name] = value.map((v: unknown) => (inner ? run(v as Data | null, inner) : v));
        else if (inner) result[name] = run(value as Data | null, inner);
        else result[name] = value;
      } else {
        if (!selection.typeCondition || !source) continue;
        if (isObjectOfType(schema, source, selection.typeCondition))
          deepMerge(result, run(source, selection.selections));
      }
    }
    return result;
  };
  return (entity) => run(entity, selections);
}

/** Apollo's applyRewrites (ValueSetter/KeyRenamer at a path, with `... on T` type steps). */
export function applyRewrites(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataRewrite[] | undefined,
  value: unknown,
): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    if (rewrite.path.length === 0) continue;
    const parent = rewrite.path.slice(0, -1);
    const last = rewrite.path[rewrite.path.length - 1]!;
    if (last.startsWith("... on ")) throw new Error(`Unexpected fragment as last element of ${String(rewrite.path)}`);
    const apply =
      rewrite.kind === "ValueSetter"
        ? (obj: Data) => {
            defineOwn(obj, last);
            obj[last] = rewrite.setValueTo;
          }
        : (obj: Data) => {
            const at = hasOwn.call(obj, last) ? obj[last] : undefined;
            if (at) {
              defineOwn(obj, rewrite.renameKeyTo);
              obj[rewrite.renameKeyTo] = at;
              obj[last] = undefined;
            }
          };
    applyAtPath(schema, parent, value, apply);
  }
}

function applyAtPath(schema: GraphQLSchema, path: string[], value: unknown, fn: (obj: Data) => void): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAtPath(schema, path, element, fn);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (path.length === 0) return fn(value as Data);
  const [first, ...rest] = path as [string, ...string[]];
  if (first.startsWith("... on ")) {
    if (isObjectOfType(schema, value as Data, first.slice("... on ".length), true))
      applyAtPath(schema, rest, value, fn);
  } else {
    applyAtPath(schema, rest, hasOwn.call(value, first) ? (value as Data)[first] : undefined, fn);
  }
}
