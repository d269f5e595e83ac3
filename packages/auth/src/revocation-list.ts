import type { Revocation, RevocationStore } from "./revocation-store.ts";

/** The claims a revocation check needs from a verified token. */
export interface RevocationCheck {
  sub: string;
  /** The session (refresh-token family) the token belongs to; absent on tokens of other issuers. */
  sid?: string | undefined;
  /** The OAuth app the token was issued to (`client_id`); absent on first-party tokens. */
  clientId?: string | undefined;
  /** Issue time in milliseconds (`iat` may carry fractions of a second). */
  iatMs: number;
}

/** Minimal logger the list reports sync trouble to. */
export interface RevocationLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options for {@link createRevocationList}. */
export interface RevocationListOptions {
  /** Shared store; without one the list only knows what this process revoked. */
  store?: RevocationStore | undefined;
  /**
   * How often a polled store (HTTP feed) is read, which bounds the propagation delay; a blocking
   * store (Redis) is read continuously with this as the longest wait. Also the retry interval
   * while the store is unreachable. Default 1000 ms.
   */
  pollIntervalMs?: number;
  /** Lifetime of the tokens a revocation must outlive (publishers: access-token TTL + clock tolerance). */
  tokenLifetimeMs?: number;
  /**
   * Publishers: when the store lost its entries (Redis restarted empty), write back every
   * revocation this process still knows, so processes started afterwards learn them too.
   */
  restoreLostEntries?: boolean;
  /**
   * A store served by a process that may start after this one (the users feed, which `pnpm start`
   * starts together with its readers): read failures before the first successful read are retried
   * quietly for this long after the list is created, and reported only if they last longer. Default 0.
   */
  startupGraceMs?: number;
  logger?: RevocationLogger;
}

/**
 * The process-local view of revoked sessions and users. Checks are synchronous map lookups: the
 * request path never waits for Redis. A background loop pulls new revocations from the store:
 * from Redis with a blocking read (a revocation arrives within milliseconds), from a polled feed
 * every `pollIntervalMs`. Entries are dropped once no token they cover can still be valid.
 */
export interface RevocationList {
  /** True when the token's session is revoked or its user's tokens issued until then are. */
  isRevoked(token: RevocationCheck): boolean;
  /** Revokes every token of a session (logout, refresh-token reuse). Applied here at once, then shared. */
  revokeSession(sid: string): Promise<void>;
  /** Revokes every token of a user issued until now (password or role change, sign-out everywhere). */
  revokeUser(userId: string): Promise<void>;
  /** Revokes every token issued to an OAuth app until now (the app was deleted). */
  revokeClient(clientId: string): Promise<void>;
  /** Publishes what is pending and reads what is new (waiting up to `blockMs` for it); the loop calls it, tests may too. */
  sync(blockMs?: number): Promise<void>;
  /** Starts the read loop after a first sync (bounded by `initialSyncTimeoutMs`, default 2000 ms). */
  start(initialSyncTimeoutMs?: number): Promise<void>;
  /** When the store was last read successfully (epoch ms), undefined before the first success. */
  lastSyncAt(): number | undefined;
  /** Revocations made here that the store has not accepted yet (it was unreachable). */
  pendingCount(): number;
  readonly storeKind: RevocationStore["kind"] | "local";
  close(): void;
}

const PRUNE_EVERY_MS = 60_000;

/** Builds a {@link RevocationList} over an optional shared store. */
export function createRevocationList(options: RevocationListOptions = {}): RevocationList {
  const store = options.store;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const tokenLifetimeMs = options.tokenLifetimeMs ?? 15 * 60_000 + 30_000;
  const sessions = new Map<string, number>();
  const users = new Map<string, { atMs: number; expiresAtMs: number }>();
  const clients = new Map<string, { atMs: number; expiresAtMs: number }>();
  // Revocations this process made but could not write to the store yet (Redis down): retried every poll.
  const pending: Revocation[] = [];
  let cursor: string | undefined;
  let lastSync: number | undefined;
  let lastPrune = Date.now();
  let failing = false;
  let looping = false;
  // Whether the current outage was logged (failures in the start-up grace are not).
  let reported = false;
  const createdAt = Date.now();
  const startupGraceMs = options.startupGraceMs ?? 0;
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;

  const apply = (entry: Revocation) => {
    if (entry.expiresAtMs <= Date.now()) return;
    if (entry.kind === "session") {
      sessions.set(entry.id, Math.max(sessions.get(entry.id) ?? 0, entry.expiresAtMs));
      return;
    }
    const markers = entry.kind === "user" ? users : clients;
    const known = markers.get(entry.id);
    if (!known || known.atMs < entry.atMs)
      markers.set(entry.id, { atMs: entry.atMs, expiresAtMs: Math.max(entry.expiresAtMs, known?.expiresAtMs ?? 0) });
  };

  const prune = (now: number) => {
    lastPrune = now;
    for (const [sid, expiresAtMs] of sessions) if (expiresAtMs <= now) sessions.delete(sid);
    for (const [id, marker] of users) if (marker.expiresAtMs <= now) users.delete(id);
    for (const [id, marker] of clients) if (marker.expiresAtMs <= now) clients.delete(id);
  };

  const publish = async (entry: Revocation) => {
    apply(entry);
    if (!store || store.kind === "http") return;
    try {
      await store.append(entry);
    } catch (error) {
      pending.push(entry);
      options.logger?.warn(
        { err: error, kind: entry.kind },
        "revocation not shared yet (store unavailable); retrying every poll",
      );
    }
  };

  const known = (): Revocation[] => [
    ...[...sessions].map(([id, expiresAtMs]) => ({
      kind: "session" as const,
      id,
      atMs: expiresAtMs - tokenLifetimeMs,
      expiresAtMs,
    })),
    ...[...users].map(([id, marker]) => ({ kind: "user" as const, id, ...marker })),
    ...[...clients].map(([id, marker]) => ({ kind: "client" as const, id, ...marker })),
  ];

  const runSync = async (blockMs: number) => {
    if (!store) return;
    if (
      options.restoreLostEntries &&
      store.holdsEntries &&
      (sessions.size > 0 || users.size > 0 || clients.size > 0) &&
      !(await store.holdsEntries())
    ) {
      const now = Date.now();
      const entries = known().filter((entry) => entry.expiresAtMs > now);
      for (const entry of entries) await store.append(entry);
      options.logger?.warn(
        { restored: entries.length },
        "revocation store had lost its entries (Redis restarted empty); wrote back the ones still in force",
      );
    }
    while (pending.length > 0) {
      const next = pending[0]!;
      // Past its expiry an entry protects nothing: an outage cannot grow this queue without bound.
      if (next.expiresAtMs > Date.now()) await store.append(next);
      pending.shift();
    }
    const batch = await store.read(cursor, { blockMs });
    for (const entry of batch.entries) apply(entry);
    cursor = batch.cursor;
    lastSync = Date.now();
    if (lastSync - lastPrune >= PRUNE_EVERY_MS) prune(lastSync);
  };

  const sync = (blockMs = 0) => {
    // One sync at a time: a slow store must not stack polls on top of each other.
    running ??= runSync(blockMs)
      .then(() => {
        if (reported) options.logger?.info({ store: store?.kind }, "revocation store reachable again");
        failing = false;
        reported = false;
      })
      .catch((error: unknown) => {
        const waitingForOwner = lastSync === undefined && Date.now() - createdAt < startupGraceMs;
        if (!reported && !waitingForOwner) {
          options.logger?.warn(
            { err: error, store: store?.kind },
            "revocation store unreachable; using the revocations known so far",
          );
          reported = true;
        }
        failing = true;
        throw error;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const entry = (kind: Revocation["kind"], id: string): Revocation => {
    const atMs = Date.now();
    return { kind, id, atMs, expiresAtMs: atMs + tokenLifetimeMs };
  };

  return {
    storeKind: store?.kind ?? "local",
    isRevoked(token) {
      const now = Date.now();
      if (token.sid !== undefined) {
        const until = sessions.get(token.sid);
        if (until !== undefined && until > now) return true;
      }
      // Same millisecond counts as revoked: the safe side of an ambiguous order.
      const covers = (marker: { atMs: number; expiresAtMs: number } | undefined) =>
        marker !== undefined && marker.expiresAtMs > now && token.iatMs <= marker.atMs;
      return covers(users.get(token.sub)) || (token.clientId !== undefined && covers(clients.get(token.clientId)));
    },
    revokeSession: (sid) => publish(entry("session", sid)),
    revokeUser: (userId) => publish(entry("user", userId)),
    revokeClient: (clientId) => publish(entry("client", clientId)),
    sync,
    async start(initialSyncTimeoutMs = 2_000) {
      if (!store || looping) return;
      looping = true;
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        sync().catch(() => {}),
        new Promise<void>((resolve) => (timeout = setTimeout(resolve, initialSyncTimeoutMs))),
      ]);
      clearTimeout(timeout);
      void (async () => {
        while (looping) {
          const blocking = store.canBlock === true && !failing;
          await sync(blocking ? pollIntervalMs : 0).catch(() => {});
          // Blocking reads return when there is news or after pollIntervalMs; polls and retries wait here.
          if (looping && (!blocking || failing)) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, pollIntervalMs);
              t.unref();
              wake = () => (clearTimeout(t), resolve());
            });
          }
        }
      })();
    },
    lastSyncAt: () => lastSync,
    pendingCount: () => pending.length,
    close() {
      looping = false;
      wake?.();
    },
  };
}
