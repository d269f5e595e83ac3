// Compares the composed API schema with the client contract (shared/contract/api.graphql).
// Missing fields and types are tolerated only while they are listed in contract-pending.json
// (work not yet done); any other breaking change — a changed type, nullability, argument or enum
// value — always fails, because clients would break on it and no later work will fix it.
import { BreakingChangeType, findBreakingChanges } from "graphql";
import type { GraphQLSchema } from "graphql";

/** Breaking-change kinds that mean "not built yet" rather than "built differently". */
const PENDING_KINDS: ReadonlySet<string> = new Set([BreakingChangeType.FIELD_REMOVED, BreakingChangeType.TYPE_REMOVED]);

/** The outcome of comparing an API schema with the contract; every list empty means compatible. */
export interface ContractReport {
  /** Breaking changes other than a missing field/type, as `TYPE: description`. */
  shapeChanges: string[];
  /** Missing fields/types that the allow-list does not mention. */
  newlyMissing: string[];
  /** Allow-list entries that are present now and must be removed from the list. */
  nowPresent: string[];
  /** Every missing field/type, sorted: what contract-pending.json would have to say. */
  missing: string[];
}

/** Diffs `api` against `contract`, treating the `pending` descriptions as known gaps. */
export function checkContract(contract: GraphQLSchema, api: GraphQLSchema, pending: readonly string[]): ContractReport {
  const changes = findBreakingChanges(contract, api);
  const shapeChanges = changes.filter((c) => !PENDING_KINDS.has(c.type)).map((c) => `${c.type}: ${c.description}`);
  const missing = new Set(changes.filter((c) => PENDING_KINDS.has(c.type)).map((c) => c.description));
  const allowed = new Set(pending);
  return {
    shapeChanges,
    newlyMissing: [...missing].filter((d) => !allowed.has(d)).sort(),
    nowPresent: [...allowed].filter((d) => !missing.has(d)).sort(),
    missing: [...missing].sort(),
  };
}

/** A readable multi-line explanation of a failing report (empty string when compatible). */
export function formatContractReport(report: ContractReport): string {
  const sections: string[] = [];
  if (report.shapeChanges.length > 0) {
    sections.push(`breaking changes against the contract:\n${report.shapeChanges.map((d) => `  - ${d}`).join("\n")}`);
  }
  if (report.newlyMissing.length > 0) {
    sections.push(
      `missing from the API and not in schema/contract-pending.json:\n${report.newlyMissing.map((d) => `  - ${d}`).join("\n")}`,
    );
  }
  if (report.nowPresent.length > 0) {
    sections.push(
      `present now, remove from schema/contract-pending.json:\n${report.nowPresent.map((d) => `  - ${d}`).join("\n")}`,
    );
  }
  if (report.newlyMissing.length > 0 || report.nowPresent.length > 0) {
    // Shrinking the list is the goal; growing it is a decision for review, hence no auto-update.
    sections.push(`contract-pending.json matching the API today:\n${JSON.stringify(report.missing, null, 2)}`);
  }
  return sections.join("\n");
}
