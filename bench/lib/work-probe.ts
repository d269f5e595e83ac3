import type { LoadRequest } from "./load.ts";
import { settle } from "./measure.ts";
import { probe } from "./scenarios.ts";
import { counterDelta, SUBGRAPHS, type SubgraphName, type SubgraphStack } from "./stack.ts";

/** Subgraph work of one operation sent alone: no load, so nothing else is counted with it. */
export interface WorkRecord {
  id: string;
  title: string;
  status: number;
  kb: number;
  requests: number;
  serviceRequests: number;
  /** Statements sent while a subgraph request was in progress: the operation's own SQL. */
  sql: number;
  /** Statements after the responses (event handling) plus any idle polling in the window. */
  sqlAfter: number;
  per: Record<SubgraphName, { requests: number; sql: number }>;
}

/**
 * Sends `request` once to `url` between two quiet points and counts what it cost the subgraphs:
 * statements issued while a subgraph request was in progress, and apart from them what ran
 * afterwards (a mutation's events, when `settleMs` covers them, plus idle polling).
 */
export async function probeWork(
  stack: SubgraphStack,
  backgroundSqlPerSecond: Record<SubgraphName, number>,
  id: string,
  title: string,
  url: string,
  request: LoadRequest,
  settleMs = 300,
): Promise<WorkRecord> {
  const before = await settle(stack, backgroundSqlPerSecond, 300);
  const answer = await probe(url, request);
  const delta = counterDelta(before, await settle(stack, backgroundSqlPerSecond, settleMs));
  return {
    id,
    title,
    status: answer.status,
    kb: answer.bytes / 1024,
    requests: delta.requests,
    serviceRequests: SUBGRAPHS.reduce((a, n) => a + delta.per[n].serviceRequests, 0),
    sql: SUBGRAPHS.reduce((a, n) => a + delta.per[n].sqlInRequest, 0),
    sqlAfter: SUBGRAPHS.reduce((a, n) => a + delta.per[n].sql - delta.per[n].sqlInRequest, 0),
    per: Object.fromEntries(
      SUBGRAPHS.map((n) => [n, { requests: delta.per[n].requests, sql: delta.per[n].sqlInRequest }]),
    ) as WorkRecord["per"],
  };
}

/** The records as a markdown table. */
export function workMarkdown(records: readonly WorkRecord[]): string {
  const cell = (r: WorkRecord, n: SubgraphName) =>
    r.per[n].requests || r.per[n].sql ? `${r.per[n].requests} / ${r.per[n].sql}` : "–";
  return [
    `| operation | status | KB | ${SUBGRAPHS.map((n) => `${n} req / SQL`).join(" | ")} | total req (+svc) / SQL | SQL after the response |`,
    `|---|---:|---:|${SUBGRAPHS.map(() => "---:").join("|")}|---:|---:|`,
    ...records.map(
      (r) =>
        `| ${r.title} | ${r.status} | ${r.kb.toFixed(1)} | ${SUBGRAPHS.map((n) => cell(r, n)).join(" | ")} | ${r.requests}${r.serviceRequests ? ` (+${r.serviceRequests})` : ""} / ${r.sql} | ${r.sqlAfter} |`,
    ),
  ].join("\n");
}
