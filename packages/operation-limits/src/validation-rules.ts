import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type ValidationContext,
} from "graphql";
import { ErrorCode } from "@shopgraph/errors";
import { forEachField, newBudget, selectionDepth, type FragmentMap } from "./operation-walker.ts";

/** Static operation limits, checked during validation (before planning, before any subgraph call). */
export interface OperationLimits {
  /** Deepest field nesting. The contract's deepest real query is 8; introspection needs 13. */
  maxDepth: number;
  /** Aliased fields per operation (alias batching is a brute-force amplifier). */
  maxAliases: number;
  /** Root fields per operation. */
  maxRootFields: number;
  /** Directives per operation (directive overloading). */
  maxDirectives: number;
  /** Fields in the operation with fragments expanded (fragment bombs). */
  maxFields: number;
}

/** Defaults sized for the contract's real operations with headroom; see the README. */
export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxFields: 1_500,
};

const reject = (limit: string, message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, limit } });

/** The document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): FragmentMap {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

/** Builds one validation rule enforcing every limit, per operation in the document. */
export function operationLimitsRule(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const fragments = fragmentsOf(context.getDocument());
      const budget = newBudget();
      const depth = selectionDepth(operation.selectionSet, fragments, budget);
      if (depth > limits.maxDepth)
        context.reportError(reject("depth", `Query depth ${depth} exceeds the limit of ${limits.maxDepth}`));
      let roots = 0;
      forEachField(operation.selectionSet, fragments, () => roots++, budget);
      if (roots > limits.maxRootFields)
        context.reportError(reject("rootFields", `${roots} root fields exceed the limit of ${limits.maxRootFields}`));
      let fields = 0;
      let aliases = 0;
      let directives = operation.directives?.length ?? 0;
      const walk = (set: typeof operation.selectionSet, path?: ReadonlySet<string>) =>
        forEachField(
          set,
          fragments,
          (field, seen) => {
            fields++;
            if (field.alias) aliases++;
            directives += field.directives?.length ?? 0;
            // Stop counting once past the limit: a fragment bomb must not cost us the walk.
            if (field.selectionSet && fields <= limits.maxFields) walk(field.selectionSet, seen);
          },
          budget,
          path,
        );
      walk(operation.selectionSet);
      if (fields > limits.maxFields || budget.left < 0)
        context.reportError(reject("fields", `The operation selects more than ${limits.maxFields} fields`));
      if (aliases > limits.maxAliases)
        context.reportError(reject("aliases", `${aliases} aliases exceed the limit of ${limits.maxAliases}`));
      if (directives > limits.maxDirectives)
        context.reportError(
          reject("directives", `${directives} directives exceed the limit of ${limits.maxDirectives}`),
        );
    },
  });
}
