import {
  getNamedType,
  getNullableType,
  isListType,
  isNonNullType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  isAbstractType,
} from "graphql";
import { checkRequirement, type Denial } from "./check.ts";
import type { AccessSubject } from "./policies.ts";
import type { AccessRequirements } from "./requirements.ts";

/** One field removed from the operation: where it was and why. */
export interface Removal extends Denial {
  /** Response keys from the root to the removed field (no list indices: see applyRemovals). */
  path: readonly string[];
}

/**
 * A node of the removal tree: the response shape down to the removed fields, with each field's
 * type (for null propagation) so the result can be completed without the schema.
 */
export interface RemovalNode {
  type: GraphQLOutputType;
  /** Set when this field itself was removed. */
  denial?: Denial;
  /** Set when an inline fragment on a refused type was removed here (entity fetches). */
  fragmentDenial?: Denial;
  children: Map<string, RemovalNode>;
}

/** What {@link authorizeOperation} decided. */
export interface AuthorizedOperation {
  /** The operation to execute: the original document when nothing was removed. */
  document: DocumentNode;
  /** Every removed field, in document order. */
  removals: Removal[];
  /** The removal tree under the root (response keys), for {@link applyRemovals}. */
  tree: Map<string, RemovalNode>;
  /** True when nothing is left to execute: answer with the removals' errors only. */
  rejected: boolean;
}

const typenameOnly = (selections: readonly SelectionNode[]) =>
  selections.every((s) => s.kind === Kind.FIELD && s.name.value === "__typename");

/**
 * Apollo Router's authorization semantics on a validated operation: every field (and every
 * fragment on a type) whose `@authenticated`/`@requiresScopes`/`@policy` the subject does not
 * satisfy is removed; a selection set left empty removes its parent field too. Fragment spreads
 * are inlined in the rewritten document (the same fields, so the same result). Pure: no I/O.
 */
export function authorizeOperation(options: {
  schema: GraphQLSchema;
  requirements: AccessRequirements;
  document: DocumentNode;
  operationName?: string | null | undefined;
  subject: AccessSubject;
}): AuthorizedOperation {
  const { schema, requirements, document, subject } = options;
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (
      def.kind === Kind.OPERATION_DEFINITION &&
      (!options.operationName ? !operation : def.name?.value === options.operationName)
    )
      operation = def;
  }
  const unchanged = { document, removals: [], tree: new Map(), rejected: false };
  if (!operation || requirements.isEmpty) return unchanged;
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return unchanged;

  const removals: Removal[] = [];
  const tree = new Map<string, RemovalNode>();
  let changed = false;

  const nodeAt = (parent: Map<string, RemovalNode>, key: string, type: GraphQLOutputType): RemovalNode => {
    let node = parent.get(key);
    if (!node) parent.set(key, (node = { type, children: new Map() }));
    return node;
  };

  // Returns the filtered selections (inline fragments in place of spreads).
  const walk = (
    set: SelectionSetNode,
    parentType: GraphQLCompositeType,
    path: readonly string[],
    removalTree: Map<string, RemovalNode>,
    parentNode: RemovalNode | undefined,
    seen: ReadonlySet<string>,
  ): SelectionNode[] => {
    const out: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith("__")) {
          out.push(selection);
          continue;
        }
        const field =
          isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
        if (!field) {
          out.push(selection);
          continue;
        }
        const key = selection.alias?.value ?? name;
        const what = `${parentType.name}.${name}`;
        const returnType = getNamedType(field.type);
        const ownReq = requirements.field(parentType.name, name);
        const typeReq = requirements.type(returnType.name);
        const denial =
          (ownReq && checkRequirement(ownReq, subject, what)) ||
          (typeReq && checkRequirement(typeReq, subject, what)) ||
          null;
        if (denial) {
          changed = true;
          removals.push({ ...denial, path: [...path, key] });
          nodeAt(removalTree, key, field.type).denial = denial;
          continue;
        }
        if (!selection.selectionSet || !isCompositeType(returnType)) {
          out.push(selection);
          continue;
        }
        const childTree = new Map<string, RemovalNode>();
        const node: RemovalNode = { type: field.type, children: childTree };
        const before = removals.length;
        const selections = walk(selection.selectionSet, returnType, [...path, key], childTree, node, seen);
        if (removals.length > before || childTree.size > 0) {
          const existing = removalTree.get(key);
          if (existing) {
            for (const [k, v] of childTree) existing.children.set(k, v);
            if (node.fragmentDenial) existing.fragmentDenial = node.fragmentDenial;
          } else removalTree.set(key, node);
        }
        // An abstract field (`_entities`) whose type fragments were all refused keeps `__typename`:
        // each refused item is then answered null with its own error (applyRemovals), like a failed entity.
        if (selections.length === 0 && node.fragmentDenial && isAbstractType(returnType)) {
          out.push({
            ...selection,
            selectionSet: {
              kind: Kind.SELECTION_SET,
              selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: "__typename" } }],
            },
          });
          continue;
        }
        // Left with nothing: the field goes too (answered null); its refused children's errors say why.
        if (selections.length === 0) {
          const kept = removalTree.get(key) ?? node;
          removalTree.set(key, kept);
          kept.denial ??= { code: removals[removals.length - 1]?.code ?? "FORBIDDEN", message: "" };
          continue;
        }
        out.push({ ...selection, selectionSet: { ...selection.selectionSet, selections } });
        continue;
      }
      // Inline fragments and spreads: the type condition's own (type-level) requirement applies.
      let typeName: string | undefined;
      let inner: SelectionSetNode;
      let directives = selection.directives;
      let nextSeen = seen;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        typeName = selection.typeCondition?.name.value;
        inner = selection.selectionSet;
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue; // validation forbids both
        changed = true; // spreads become inline fragments
        typeName = fragment.typeCondition.name.value;
        inner = fragment.selectionSet;
        directives = selection.directives;
        nextSeen = new Set([...seen, fragment.name.value]);
      }
      const condition = typeName ? schema.getType(typeName) : parentType;
      if (!condition || !isCompositeType(condition)) continue;
      const typeReq = typeName && typeName !== parentType.name ? requirements.type(typeName) : undefined;
      const denial = typeReq && checkRequirement(typeReq, subject, typeName!);
      if (denial) {
        changed = true;
        removals.push({ ...denial, path });
        if (parentNode) parentNode.fragmentDenial = denial;
        continue;
      }
      const selections = walk(inner, condition, path, removalTree, parentNode, nextSeen);
      if (selections.length === 0) continue;
      out.push({
        kind: Kind.INLINE_FRAGMENT,
        ...(typeName ? { typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: typeName } } } : {}),
        ...(directives ? { directives } : {}),
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      });
    }
    return out;
  };

  const selections = walk(operation.selectionSet, rootType, [], tree, undefined, new Set());
  if (!changed) return unchanged;
  if (selections.length === 0 || (typenameOnly(selections) && removals.length > 0)) {
    return { document, removals, tree, rejected: true };
  }
  const filtered: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections } };
  return { document: { kind: Kind.DOCUMENT, definitions: [filtered] }, removals, tree, rejected: false };
}

/** A GraphQL error as sent to clients (already formatted: message, path, extensions.code). */
export interface FieldAuthError {
  message: string;
  path: (string | number)[];
  extensions: { code: string };
}

const PROPAGATE = Symbol("propagate");

/**
 * Completes an executed result for the removed fields: each is answered `null` with its error at
 * its concrete path (one per list item), and a null in a non-null position propagates to the
 * nearest nullable parent, as GraphQL execution would have done had the field failed.
 */
export function applyRemovals(
  data: Record<string, unknown> | null | undefined,
  tree: Map<string, RemovalNode>,
): { data: Record<string, unknown> | null; errors: FieldAuthError[] } {
  const errors: FieldAuthError[] = [];
  const error = (d: Denial, path: (string | number)[]) =>
    errors.push({ message: d.message || "Not allowed", path, extensions: { code: d.code } });

  // Completes one value of `type` whose children removals are `node`; returns PROPAGATE when it must become null.
  const complete = (value: unknown, type: GraphQLOutputType, node: RemovalNode, path: (string | number)[]): unknown => {
    if (value === null || value === undefined) return value;
    const inner = getNullableType(type);
    if (isListType(inner)) {
      const items = value as unknown[];
      for (let i = 0; i < items.length; i++) {
        const completed = complete(items[i], inner.ofType, node, [...path, i]);
        if (completed === PROPAGATE) {
          if (isNonNullType(inner.ofType)) return PROPAGATE;
          items[i] = null;
        }
      }
      return value;
    }
    const object = value as Record<string, unknown>;
    // An entity whose type fragment was refused comes back empty (or with __typename only).
    if (node.fragmentDenial && Object.keys(object).every((k) => k === "__typename")) {
      error(node.fragmentDenial, path);
      return PROPAGATE;
    }
    return completeObject(object, node.children, path);
  };

  // A field dropped because every child was refused: the children's errors, under its path.
  const emitDescendants = (children: Map<string, RemovalNode>, path: (string | number)[]) => {
    for (const [key, child] of children) {
      if (child.denial?.message) error(child.denial, [...path, key]);
      else emitDescendants(child.children, [...path, key]);
    }
  };

  const completeObject = (
    object: Record<string, unknown>,
    children: Map<string, RemovalNode>,
    path: (string | number)[],
  ): unknown => {
    for (const [key, child] of children) {
      const childPath = [...path, key];
      if (child.denial && !(key in object)) {
        if (child.denial.message) error(child.denial, childPath);
        else emitDescendants(child.children, childPath);
        object[key] = null;
        if (isNonNullType(child.type)) return PROPAGATE;
        continue;
      }
      if (!(key in object)) continue;
      const completed = complete(object[key], child.type, child, childPath);
      if (completed === PROPAGATE) {
        object[key] = null;
        if (isNonNullType(child.type)) return PROPAGATE;
      }
    }
    return object;
  };

  if (!data) return { data: data ?? null, errors };
  const result = completeObject(data, tree, []);
  return { data: result === PROPAGATE ? null : data, errors };
}

/** The errors of a rejected operation (nothing left to execute): one per removed field. */
export function rejectionErrors(removals: readonly Removal[]): FieldAuthError[] {
  return removals.map((r) => ({ message: r.message, path: [...r.path], extensions: { code: r.code } }));
}

/**
 * The answer to a rejected operation (nothing left to execute, nothing executed): every refused
 * root field `null` with its error, and `data` null when one of them is non-null, exactly as if
 * each had failed during execution.
 */
export function rejectedResult(tree: Map<string, RemovalNode>): {
  data: Record<string, unknown> | null;
  errors: FieldAuthError[];
} {
  return applyRemovals({}, tree);
}
