import {
  ERRORS,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  Variable,
  type CompositeType,
  type Directive,
  type Operation,
  type OutputType,
  type Schema,
  type SelectionSet,
} from "@apollo/federation-internals";
import type { GraphQLError } from "graphql";

/**
 * Response shaping compiled once per (plan, operation): the same post-processing as
 * @apollo/gateway's `computeResponse` (field order, aliases, `__typename`, null propagation for
 * non-null fields, leaf validation), but walked over precompiled steps instead of re-reading the
 * operation's directives and types for every field of every response.
 *
 * It is compiled from the very `Operation` Apollo builds (operationFromDocument), so selections
 * merged by Apollo are merged here too and the output keys come out in the same order.
 */

type Path = (string | number)[];
/** True when the selection is skipped for these variables (@skip/@include). */
type SkipTest = (variables: Record<string, unknown>) => boolean;

const NON_NULL = 0;
const LIST = 1;
const COMPOSITE = 2;
const LEAF = 3;

/** How one output type is completed (the wrappers, then a composite or leaf). */
type OutputStep =
  | { k: typeof NON_NULL; of: OutputStep; hasSelection: boolean; innerText: string }
  | { k: typeof LIST; of: OutputStep; hasSelection: boolean; text: string }
  | { k: typeof COMPOSITE; type: CompositeType; set: SetStep[]; hasSelection: true; text: string }
  | { k: typeof LEAF; valid: (value: unknown) => boolean; hasSelection: false; text: string };

type SetStep =
  | {
      kind: "field";
      skip: SkipTest | undefined;
      responseName: string;
      own: boolean;
      typename: boolean;
      type: OutputStep;
    }
  | { kind: "fragment"; skip: SkipTest | undefined; condition: CompositeType | undefined; set: SetStep[] };

/** The compiled shaper of one operation. */
export interface CompiledShape {
  /** Variables with the operation's defaults filled in (what @skip/@include read). */
  variablesWithDefaults(variables: Record<string, unknown> | undefined): Record<string, unknown>;
  /** Shapes the merged subgraph data into the response's data; errors are pushed to `errors`. */
  shape(
    input: Record<string, unknown>,
    variables: Record<string, unknown>,
    errors: GraphQLError[],
  ): Record<string, unknown> | null;
}

/** Raised at compile time for operations the engine leaves to Apollo's executor. */
export class UnsupportedOperation extends Error {}

function ifValue(directive: Directive | undefined): ((variables: Record<string, unknown>) => boolean) | undefined {
  if (!directive) return undefined;
  const arg = (directive.arguments() as { if: boolean | Variable }).if;
  if (arg instanceof Variable) {
    const name = arg.name;
    return (variables) => {
      const value = variables[name];
      if (typeof value !== "boolean")
        throw new Error(`Unexpected value ${String(value)} for variable ${String(arg)} of ${String(directive)}`);
      return value;
    };
  }
  return () => arg;
}

function skipTest(schema: Schema, element: { appliedDirectivesOf(d: unknown): Directive[] }): SkipTest | undefined {
  const skip = ifValue(element.appliedDirectivesOf(schema.skipDirective())[0]);
  const include = ifValue(element.appliedDirectivesOf(schema.includeDirective())[0]);
  if (!skip && !include) return undefined;
  // Same short-circuit as Apollo: @skip first, then @include.
  return (variables) => (skip ? skip(variables) : false) || (include ? !include(variables) : false);
}

function compileType(schema: Schema, type: OutputType, selectionSet: SelectionSet | undefined): OutputStep {
  if (isNonNullType(type))
    return {
      k: NON_NULL,
      of: compileType(schema, type.ofType, selectionSet),
      hasSelection: !!selectionSet,
      innerText: String(type.ofType),
    };
  if (isListType(type))
    return {
      k: LIST,
      of: compileType(schema, type.ofType, selectionSet),
      hasSelection: !!selectionSet,
      text: String(type),
    };
  if (isCompositeType(type)) {
    if (!selectionSet) throw new Error(`Invalid empty selection set for composite type ${String(type)}`);
    return { k: COMPOSITE, type, set: compileSet(schema, selectionSet), hasSelection: true, text: String(type) };
  }
  return { k: LEAF, valid: leafValidator(schema, type), hasSelection: false, text: String(type) };
}

const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * federation-internals' isValidLeafValue(schema, value, type) for one leaf type, with its type
 * tests (a built-in name list, schema type lookups) decided once here instead of for every value.
 */
export function leafValidator(schema: Schema, type: OutputType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  const isBoolean = type === schema.booleanType();
  const isInt = type === schema.intType();
  const isIntOrId = isInt || type === schema.idType();
  const isFloat = type === schema.floatType();
  const enumType = isEnumType(type) ? type : undefined;
  const anyString = !isBoolean && !isInt && !isFloat;
  return (value) => {
    if (typeof value === "boolean") return isBoolean;
    if (typeof value === "number" && Number.isFinite(value))
      return isIntOrId ? INTEGER_TEXT.test(String(value)) : isFloat;
    if (typeof value === "string") return enumType ? enumType.value(value) !== undefined : anyString;
    return false;
  };
}

function compileSet(schema: Schema, set: SelectionSet): SetStep[] {
  const steps: SetStep[] = [];
  for (const selection of set.selections()) {
    const skip = skipTest(schema, selection.element as never);
    if (selection.kind === "FieldSelection") {
      const field = selection.element;
      if (field.definition.isSchemaIntrospectionField()) throw new UnsupportedOperation("schema introspection");
      const responseName = field.responseName();
      if (responseName === "__proto__") throw new UnsupportedOperation("__proto__ response name");
      const typename = field.name === "__typename";
      steps.push({
        kind: "field",
        skip,
        responseName,
        own: responseName in Object.prototype,
        typename,
        type: typename
          ? { k: LEAF, valid: () => true, hasSelection: false, text: "String!" }
          : compileType(schema, field.definition.type!, selection.selectionSet),
      });
    } else {
      const fragment = selection.element;
      steps.push({
        kind: "fragment",
        skip,
        condition: fragment.typeCondition,
        set: compileSet(schema, selection.selectionSet),
      });
    }
  }
  return steps;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Compiles the shaper of `operation` (built against the API schema). */
export function compileShape(operation: Operation): CompiledShape {
  const schema = operation.schema();
  const root = schema.schemaDefinition.rootType(operation.rootKind)!;
  const steps = compileSet(schema, operation.selectionSet);
  const defaults = operation.collectDefaultedVariableValues();
  const typeCache = new Map<string, ReturnType<Schema["type"]>>();
  const typeNamed = (name: string) => {
    let type = typeCache.get(name);
    if (type === undefined && !typeCache.has(name)) typeCache.set(name, (type = schema.type(name)));
    return type;
  };

  let variables: Record<string, unknown> = {};
  let errors: GraphQLError[] = [];
  // The flags of the last completion (Apollo returns them in an object per field).
  let invalid = false;
  let hadErrors = false;

  const describe = (path: Path, typeText: string, parentType: CompositeType) => {
    const element = path[path.length - 1]!;
    return typeof element === "string"
      ? `field ${String(parentType)}.${element}`
      : `array element of type ${typeText} at index ${element}`;
  };

  const invalidValue = (path: Path, typeText: string, parentType: CompositeType) =>
    ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, typeText, parentType)}.`, {
      path: Array.from(path),
    });
  const nullForNonNull = (path: Path, innerText: string, parentType: CompositeType) =>
    ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(path, innerText, parentType)}.`, {
      path: Array.from(path),
    });

  function applies(condition: CompositeType | undefined, typename: unknown, parentType: CompositeType): boolean {
    if (!condition) return true;
    if (typename) {
      const type = typeNamed(typename as string);
      return !!type && isSubtype(condition, type as never);
    }
    return isSubtype(condition, parentType);
  }

  function update(output: unknown, step: OutputStep, input: unknown, path: Path, parentType: CompositeType): unknown {
    if (output === null || (output !== undefined && !step.hasSelection)) {
      invalid = false;
      hadErrors = false;
      return output;
    }
    switch (step.k) {
      case NON_NULL: {
        const updated = update(output, step.of, input, path, parentType);
        if (updated === null) {
          if (!hadErrors) errors.push(nullForNonNull(path, step.innerText, parentType));
          invalid = true;
          hadErrors = true;
          return null;
        }
        invalid = false;
        hadErrors = false;
        return updated;
      }
      case LIST: {
        invalid = false;
        hadErrors = false;
        if (input === null) return null;
        if (!Array.isArray(input))
          throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for list type ${step.text}`);
        if (output !== undefined && !Array.isArray(output))
          throw new Error(`Invalid non-list value ${String(output)} returned by subgraph for list type ${step.text}`);
        const list = output === undefined ? new Array<unknown>(input.length).fill(undefined) : (output as unknown[]);
        if (input.length !== list.length)
          throw new Error(`[${String(input)}].length (${input.length}) !== [${String(list)}].length (${list.length})`);
        let nullify = false;
        let errored = false;
        for (let i = 0; i < list.length; i++) {
          path.push(i);
          list[i] = update(list[i], step.of, input[i], path, parentType);
          path.pop();
          if (invalid) nullify = true;
          if (hadErrors) errored = true;
        }
        invalid = false;
        hadErrors = errored;
        return nullify ? null : list;
      }
      case COMPOSITE: {
        invalid = false;
        hadErrors = false;
        if (input === null) return null;
        if (typeof input !== "object")
          throw new Error(
            `Invalid non-object value ${String(input)} returned by subgraph for composite type ${step.text}`,
          );
        if (output !== undefined && typeof output !== "object")
          throw new Error(
            `Invalid non-object value ${String(input)} returned by subgraph for composite type ${step.text}`,
          );
        const typename = (input as Record<string, unknown>).__typename;
        if (typename !== undefined && typeof typename !== "string")
          throw new Error(`Invalid non-string value ${String(typename)} for __typename at ${String(path)}`);
        let objType = step.type;
        if (typename) {
          const found = typeNamed(typename);
          if (!found || !isCompositeType(found)) {
            errors.push(
              ERRORS.INVALID_GRAPHQL.err(
                `Invalid __typename found for object at ${describe(path, step.text, parentType)}.`,
                { path: Array.from(path) },
              ),
            );
            invalid = false;
            hadErrors = true;
            return null;
          }
          objType = found;
        }
        const object = output === undefined ? {} : (output as Record<string, unknown>);
        const bubbled = applySet(input as Record<string, unknown>, step.set, object, path, objType);
        invalid = false;
        hadErrors = bubbled;
        return bubbled ? null : object;
      }
      case LEAF: {
        invalid = false;
        if (input === null) {
          hadErrors = false;
          return null;
        }
        const valid = step.valid(input);
        if (!valid) errors.push(invalidValue(path, step.text, parentType));
        hadErrors = !valid;
        return valid ? input : null;
      }
    }
  }

  /** Returns true when a null bubbles up to the object being built. */
  function applySet(
    input: Record<string, unknown>,
    set: SetStep[],
    output: Record<string, unknown>,
    path: Path,
    parentType: CompositeType,
  ): boolean {
    for (let s = 0; s < set.length; s++) {
      const step = set[s]!;
      if (step.skip !== undefined && step.skip(variables)) continue;
      if (step.kind === "field") {
        const name = step.responseName;
        let value = step.own ? (hasOwn.call(input, name) ? input[name] : undefined) : input[name];
        if (value === undefined) value = null;
        if (step.typename) {
          if (output[name] === undefined) {
            if (value === null && name !== "__typename") value = input.__typename ?? null;
            const type = value !== null && typeof value === "string" ? (typeNamed(value) ?? parentType) : parentType;
            if (!isObjectType(type as never)) return true;
            output[name] = (type as CompositeType).name;
          }
          continue;
        }
        const type = step.type;
        // Leaves (most of a response) inline what update() does for them, with the same errors,
        // values and flags: no call, no path push unless an error needs it.
        if (type.k === LEAF) {
          invalid = false;
          hadErrors = false;
          if (output[name] !== undefined) continue;
          if (value === null || type.valid(value)) {
            output[name] = value;
            continue;
          }
          path.push(name);
          errors.push(invalidValue(path, type.text, parentType));
          path.pop();
          hadErrors = true;
          output[name] = null;
          continue;
        }
        if (type.k === NON_NULL && type.of.k === LEAF) {
          invalid = false;
          hadErrors = false;
          // update(): an output already there (null included) is kept as it is, without a null check.
          if (output[name] !== undefined) continue;
          if (value !== null && type.of.valid(value)) {
            output[name] = value;
            continue;
          }
          path.push(name);
          errors.push(
            value === null
              ? nullForNonNull(path, type.innerText, parentType)
              : invalidValue(path, type.of.text, parentType),
          );
          path.pop();
          output[name] = null;
          invalid = true;
          hadErrors = true;
          return true;
        }
        path.push(name);
        output[name] = update(output[name], type, value, path, parentType);
        path.pop();
        if (invalid) return true;
      } else {
        const typename = input.__typename;
        if (typename && typeof typename !== "string")
          throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
        if (
          applies(step.condition, typename, parentType) &&
          applySet(input, step.set, output, path, step.condition ?? parentType)
        )
          return true;
      }
    }
    return false;
  }

  return {
    variablesWithDefaults: (provided) => (provided ? { ...defaults, ...provided } : { ...defaults }),
    shape(input, vars, errs) {
      variables = vars;
      errors = errs;
      const data: Record<string, unknown> = {};
      try {
        return applySet(input, steps, data, [], root) ? null : data;
      } finally {
        variables = {};
        errors = [];
      }
    },
  };
}
