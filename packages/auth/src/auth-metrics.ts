import { counter, gauge } from "@shopgraph/metrics";
import type { RevocationList } from "./revocation-list.ts";

const refused = counter<"reason">({
  name: "auth_tokens_refused_total",
  help: "Access tokens refused by this process's verifier, by reason",
  labelNames: ["reason"],
});

/** Counts a refused token (TOKEN_EXPIRED, TOKEN_INVALID, TOKEN_REVOKED). */
export function observeRefusedToken(reason: string): void {
  refused.inc({ reason });
}

// Lists started in this process (one per service; the e2e suite runs several in one process).
const lists = new Set<Pick<RevocationList, "lastSyncAt" | "pendingCount" | "storeKind">>();

gauge<"store">({
  name: "auth_revocation_sync_age_seconds",
  help: "Seconds since the revocation store was last read successfully (the staleness of this process's revocations); -1 before the first read",
  labelNames: ["store"],
  collect() {
    this.reset();
    const now = Date.now();
    for (const list of lists) {
      const last = list.lastSyncAt();
      this.set({ store: list.storeKind }, last === undefined ? -1 : (now - last) / 1000);
    }
  },
});

gauge({
  name: "auth_revocations_pending",
  help: "Revocations made by this process that the store has not accepted yet (Redis unavailable)",
  collect() {
    let pending = 0;
    for (const list of lists) pending += list.pendingCount();
    this.set(pending);
  },
});

/** Reports a started list's staleness and backlog at scrape time; the returned function stops it. */
export function observeRevocationList(
  list: Pick<RevocationList, "lastSyncAt" | "pendingCount" | "storeKind">,
): () => void {
  lists.add(list);
  return () => lists.delete(list);
}
