import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import {
  BREAK,
  execute,
  GraphQLError,
  isObjectType,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { getVariableValues } from "graphql/execution/values.js";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";

type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type Executor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

/** How many distinct (document, operation) pairs keep a compiled query; the oldest go first. */
export const MAX_COMPILED_OPERATIONS = 1_000;

/** The executor's counters (tests prove which path ran). */
export interface JitStats {
  compiled: number;
  jit: number;
  fallback: number;
}

/**
 * Runs a subgraph's queries with graphql-jit: each (validated document, operation) is compiled
 * once into a plain function (field resolution, null propagation and leaf serialization without
 * graphql-js's generic walk), cached beside the document.
 *
 * Apollo Server still parses, validates (document cache), runs every plugin (limits, the SDL's
 * access directives, error formatting, logging, metrics) and serializes; only `execute` changes.
 * graphql-js runs what the compiled path does not cover, so its answers stay exactly graphql-js's:
 * mutations (serial, and a few per second), introspection (`__schema`, `__type`), operations whose
 * variables do not coerce (graphql-js's messages, which Apollo answers as BAD_USER_INPUT), and any
 * document graphql-jit refuses to compile.
 */
export function createJitExecutor(schema: GraphQLSchema): { executor: Executor; stats: JitStats } {
  const stats: JitStats = { compiled: 0, jit: 0, fallback: 0 };
  const compiled = new Map<DocumentNode, Map<string | null, CompiledQuery | null>>();
  const compiledFor = (document: DocumentNode, operation: OperationDefinitionNode, name: string | null) => {
    let perDocument = compiled.get(document);
    const hit = perDocument?.get(name);
    if (hit !== undefined) {
      // LRU: a hit moves its document to the end.
      compiled.delete(document);
      compiled.set(document, perDocument!);
      return hit;
    }
    const result = jitCoverable(document, operation) ? compileQuery(schema, document, name ?? undefined) : null;
    const query = result && isCompiledQuery(result) ? result : null;
    if (query) stats.compiled += 1;
    if (!perDocument) {
      perDocument = new Map();
      compiled.set(document, perDocument);
      if (compiled.size > MAX_COMPILED_OPERATIONS) compiled.delete(compiled.keys().next().value!);
    }
    perDocument.set(name, query);
    return query;
  };
  const executor: Executor = async (requestContext) => {
    const { document, operation, operationName, request, context } = requestContext;
    const variables = request.variables ?? {};
    const query = operation ? compiledFor(document, operation, operationName) : null;
    if (query && operation && variablesCoerce(schema, operation, variables)) {
      stats.jit += 1;
      return withGraphQLErrors(await query.query(undefined, context, variables));
    }
    stats.fallback += 1;
    return execute({ schema, document, contextValue: context, variableValues: variables, operationName });
  };
  return { executor, stats };
}

/**
 * graphql-jit's errors imitate GraphQLError but leave `extensions` undefined when the original
 * error has none (a null in a non-null field, a plain Error), which Apollo's error normalization
 * does not survive ("Internal server error"). Each becomes a real GraphQLError: same message, path,
 * locations, original error and extensions, so formatting and codes are graphql-js's.
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  const errors = result.errors.map((e) => {
    const error = new GraphQLError(e.message, {
      ...(e.path ? { path: e.path } : {}),
      ...(e.originalError ? { originalError: e.originalError } : {}),
      ...(e.extensions ? { extensions: e.extensions } : {}),
    });
    if (e.locations) (error as { locations?: typeof e.locations }).locations = e.locations;
    return error;
  });
  return { ...result, errors };
}

/**
 * Queries only, none that reads the schema itself, and none with a variable inside a list or
 * object literal (`_entities(representations: [{ __typename: "User", id: $id }])`): graphql-jit
 * does not hand variables to a custom scalar's parseLiteral. The gateway always sends whole variables.
 */
function jitCoverable(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  if (operation.operation !== "query") return false;
  const readsSchema = operation.selectionSet.selections.some(
    (s) => s.kind === "Field" && s.name.value !== "__typename" && s.name.value.startsWith("__"),
  );
  return !readsSchema && !hasVariableInLiteral(document);
}

function hasVariableInLiteral(document: DocumentNode): boolean {
  let depth = 0;
  let found = false;
  const literal = {
    enter() {
      depth += 1;
    },
    leave() {
      depth -= 1;
    },
  };
  visit(document, {
    ListValue: literal,
    ObjectValue: literal,
    Variable() {
      if (depth === 0) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

function variablesCoerce(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): boolean {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return true;
  return !("errors" in getVariableValues(schema, definitions, variables));
}

/**
 * graphql-js calls a function-valued property and awaits a promise-valued one for a field without
 * a resolver; graphql-jit reads the property as it is. The only such fields in the subgraphs are
 * connections' lazy `totalCount` (connection.ts), so every `totalCount` without a resolver gets one.
 */
export function resolveLazyCounts(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const field = type.getFields().totalCount;
    if (field && !field.resolve)
      field.resolve = (parent: Record<string, unknown>) => {
        const value = parent.totalCount;
        return typeof value === "function" ? (value as () => unknown)() : value;
      };
  }
}

/** Apollo Server's gateway interface around a fixed schema and the jit executor. */
export function jitGateway(schema: GraphQLSchema): { gateway: Gateway; stats: JitStats } {
  resolveLazyCounts(schema);
  const { executor, stats } = createJitExecutor(schema);
  const gateway: Gateway = {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: "" });
      return () => undefined;
    },
    async stop() {},
  };
  return { gateway, stats };
}
