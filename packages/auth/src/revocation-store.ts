import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * One revocation. `session`: every token whose `sid` is `id` is dead. `user`: every token of user
 * `id` issued at or before `atMs` is dead (password change, role change, sign-out everywhere).
 * `client`: every token issued to OAuth app (`client_id`) `id` at or before `atMs` is dead (app deleted).
 * `expiresAtMs` is when no token it covers can still be alive (issue time + token lifetime).
 */
export interface Revocation {
  kind: "session" | "user" | "client";
  id: string;
  atMs: number;
  expiresAtMs: number;
}

/** Entries after a cursor, and the cursor to read from next time. */
export interface RevocationBatch {
  entries: Revocation[];
  cursor: string | undefined;
}

/** Where revocations are shared between processes: Redis, or one process's memory. */
export interface RevocationStore {
  readonly kind: "redis" | "memory" | "http";
  /** Records a revocation for every reader (publishers only). */
  append(entry: Revocation): Promise<void>;
  /**
   * Entries written after `cursor` (all retained ones for undefined), oldest first. With
   * `blockMs`, a store that can wait for new entries (Redis) answers as soon as one is written.
   */
  read(cursor: string | undefined, options?: { blockMs?: number }): Promise<RevocationBatch>;
  /** True when `read` can block until an entry arrives (a push, not a poll). */
  readonly canBlock?: boolean;
  /** False when the store lost everything (Redis restarted empty); stores that cannot tell omit it. */
  holdsEntries?(): Promise<boolean>;
}

const READ_BATCH = 1_000;

/** Parses a stored entry; anything malformed is skipped rather than trusted. */
export function parseRevocation(fields: Record<string, unknown>): Revocation | null {
  const kind = fields.kind;
  const id = fields.id;
  const atMs = Number(fields.atMs);
  const expiresAtMs = Number(fields.expiresAtMs);
  if (
    (kind !== "session" && kind !== "user" && kind !== "client") ||
    typeof id !== "string" ||
    id === "" ||
    !Number.isFinite(atMs) ||
    !Number.isFinite(expiresAtMs)
  )
    return null;
  return { kind, id, atMs, expiresAtMs };
}

/**
 * Revocations in a Redis stream: readers follow it incrementally with XREAD from their last id
 * (blocking, so a new entry is pushed to every reader within milliseconds), and a stream keeps
 * what a reader started later needs, which pub/sub would not. Entries older than `retentionMs`
 * are trimmed on write (MINID): past the token lifetime they protect nothing. A blocking read
 * holds its connection, so a publisher writes over a second one (`writer`).
 */
export function createRedisRevocationStore(
  redis: Redis,
  prefix: string,
  retentionMs: number,
  writer: Redis = redis,
): RevocationStore {
  const key = `${prefix}auth:revocations`;
  return {
    kind: "redis",
    canBlock: true,
    holdsEntries: async () => (await redis.exists(key)) === 1,
    async append(entry) {
      const minId = String(Math.max(0, Date.now() - retentionMs));
      await writer.xadd(
        key,
        "MINID",
        "~",
        minId,
        "*",
        "kind",
        entry.kind,
        "id",
        entry.id,
        "atMs",
        String(entry.atMs),
        "expiresAtMs",
        String(entry.expiresAtMs),
      );
    },
    async read(cursor, options = {}) {
      const entries: Revocation[] = [];
      let next = cursor ?? "0-0";
      // BLOCK 0 would wait forever: only a positive wait blocks, and only the first read of a batch.
      let block = options.blockMs && options.blockMs > 0 ? Math.ceil(options.blockMs) : 0;
      for (;;) {
        const args: (string | number)[] = [
          "COUNT",
          READ_BATCH,
          ...(block > 0 ? ["BLOCK", block] : []),
          "STREAMS",
          key,
          next,
        ];
        block = 0;
        // ioredis types XREAD's optional BLOCK only as fixed overloads; the reply is the usual [[key, messages]].
        const reply = (await (redis as unknown as { xread(...a: (string | number)[]): Promise<unknown> }).xread(
          ...args,
        )) as [string, [string, string[]][]][] | null;
        const messages = reply?.[0]?.[1] ?? [];
        for (const [id, flat] of messages) {
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
          const entry = parseRevocation(fields);
          if (entry) entries.push(entry);
          next = id;
        }
        if (messages.length < READ_BATCH) break;
      }
      return { entries, cursor: next };
    },
  };
}

/**
 * Revocations held by one process (no Redis). The users subgraph keeps its own here and serves
 * them to the other processes over HTTP ({@link createHttpRevocationStore}).
 */
export function createMemoryRevocationStore(): RevocationStore {
  const log: { seq: number; entry: Revocation }[] = [];
  let seq = 0;
  // Cursors carry this instance's epoch: a reader holding a cursor from before a restart of the
  // process reads everything again instead of skipping the new instance's first entries.
  const epoch = randomUUID().slice(0, 8);
  return {
    kind: "memory",
    async append(entry) {
      const now = Date.now();
      // Expired entries protect nothing; dropping them from the front keeps the log bounded.
      while (log.length > 0 && log[0]!.entry.expiresAtMs <= now) log.shift();
      log.push({ seq: ++seq, entry });
    },
    async read(cursor) {
      const [cursorEpoch, after] = (cursor ?? "").split(":");
      const from = cursorEpoch === epoch && Number.isSafeInteger(Number(after)) ? Number(after) : 0;
      return { entries: log.filter((item) => item.seq > from).map((item) => item.entry), cursor: `${epoch}:${seq}` };
    },
  };
}

/** Options for {@link createHttpRevocationStore}. */
export interface HttpRevocationStoreOptions {
  /** The users subgraph's revocation feed, e.g. http://127.0.0.1:4001/revocations. */
  url: string;
  /** Sent as x-service-token: the feed names user ids, so it is not public. */
  serviceToken?: string | undefined;
  /** Per poll; a slow users subgraph must not pile polls up. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * Read-only view of the users subgraph's in-memory revocations over HTTP, for processes that
 * have no Redis to share (embedded development mode: one process per service, no Redis).
 */
export function createHttpRevocationStore(options: HttpRevocationStoreOptions): RevocationStore {
  return {
    kind: "http",
    async append() {
      throw new Error("the HTTP revocation feed is read-only");
    },
    async read(cursor) {
      const url = new URL(options.url);
      if (cursor !== undefined) url.searchParams.set("after", cursor);
      const res = await fetch(url, {
        headers: options.serviceToken ? { "x-service-token": options.serviceToken } : {},
        signal: AbortSignal.timeout(options.timeoutMs ?? 2_000),
      });
      if (!res.ok) throw new Error(`revocation feed answered HTTP ${res.status}`);
      const body = (await res.json()) as { entries?: unknown; cursor?: unknown };
      const entries = Array.isArray(body.entries)
        ? body.entries.map((e) => parseRevocation(e as Record<string, unknown>)).filter((e) => e !== null)
        : [];
      return { entries, cursor: typeof body.cursor === "string" ? body.cursor : cursor };
    },
  };
}
