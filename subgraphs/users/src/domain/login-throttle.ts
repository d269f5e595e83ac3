import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { Redis } from "@shopgraph/kv";

/** Limits of the failed-login throttle (config LOGIN_*; defaults in config.ts). */
export interface LoginThrottleSettings {
  /** Failures from one IP against one account that lock that pair. */
  maxFailuresPerAccountIp: number;
  accountIpLockSeconds: number;
  /** Failures from all IPs against one account that lock the account (except for the owner's known IPs). */
  maxFailuresPerAccount: number;
  /** Kept short: a distributed attacker can re-lock an account, so the lock must not shut the owner out for long. */
  accountLockSeconds: number;
  /** Failures count within this window from the first one. */
  failureWindowSeconds: number;
  /** Failures from one IP before each further one adds a delay (1 s, doubling, up to maxDelaySeconds). */
  freeFailures: number;
  maxDelaySeconds: number;
  /** An IP the owner signed in from stays exempt from the account-wide lock this long. */
  knownIpDays: number;
  /** Deadline of each Redis call; past it (or with Redis down) the in-process limiter answers. */
  storeTimeoutMs: number;
}

/** What a lock covers: one (account, IP) pair, or the account from every IP the owner never used. */
export type LockScope = "ACCOUNT_IP" | "ACCOUNT";

/** A refused attempt: how long until the next one is allowed. */
export interface ThrottleVerdict {
  scope: LockScope | "DELAY";
  retryAfterSeconds: number;
}

/** The outcome of recording a failure: set when this failure engaged a lock (the owner is told once per lock). */
export interface FailureOutcome {
  locked: { scope: LockScope; seconds: number; failures: number; notify: boolean } | null;
}

/** The per-account login throttle; accounts are keyed by normalized email, so unknown emails behave alike. */
export interface LoginThrottle {
  /** null when an attempt may go ahead (checked before the password is hashed). */
  check(email: string, ip: string): Promise<ThrottleVerdict | null>;
  recordFailure(email: string, ip: string): Promise<FailureOutcome>;
  /** The owner proved the password: counters reset and the IP becomes known. */
  recordSuccess(email: string, ip: string): Promise<void>;
}

/** Dependencies of {@link createLoginThrottle}; without Redis the counters live in this process. */
export interface LoginThrottleDeps {
  redis?: Redis | undefined;
  keyPrefix: string;
}

// Email hashes keep addresses out of Redis keys and bound key length whatever a client sends.
const accountKey = (email: string) => createHash("sha256").update(email).digest("hex").slice(0, 32);
/**
 * The client a failure is counted against. IPv4-mapped IPv6 (::ffff:1.2.3.4) is 1.2.3.4; other IPv6
 * addresses count per /64, the block one subscriber gets (rotating inside it is free for an attacker).
 */
export function normalizeIp(raw: string): string {
  const ip = raw
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  if (isIPv4(ip) || !isIPv6(ip)) return ip.slice(0, 64);
  const [head = "", tail = ""] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * RateLimiterMemory expires keys with setTimeout, which Node caps at 2^31-1 ms: a longer duration
 * fires after 1 ms and the key vanishes at once. Every in-process duration is held under it.
 */
const MAX_MEMORY_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
const memorySafe = (seconds: number) => Math.min(seconds, MAX_MEMORY_SECONDS);

/** A consume that went over the limit rejects with a RateLimiterRes; both outcomes carry the count. */
async function consume(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}

/**
 * Builds the throttle on rate-limiter-flexible: RateLimiterRedis (shared by every users replica)
 * behind a timeout wrapper whose insurance is a RateLimiterMemory, so a slow or absent Redis costs
 * at most `storeTimeoutMs` and counting continues in-process instead of failing the login.
 */
export function createLoginThrottle(settings: LoginThrottleSettings, deps: LoginThrottleDeps): LoginThrottle {
  const limiter = (
    name: string,
    opts: { points: number; duration: number; blockDuration?: number },
  ): RateLimiterAbstract => {
    const keyPrefix = `${deps.keyPrefix}login:${name}`;
    const memory = new RateLimiterMemory({
      ...opts,
      duration: memorySafe(opts.duration),
      ...(opts.blockDuration ? { blockDuration: memorySafe(opts.blockDuration) } : {}),
      keyPrefix,
    });
    if (!deps.redis) return memory;
    // rejectIfRedisNotReady: while disconnected, go straight to the insurance instead of queueing.
    // Only the wrapper holds the insurance: given to both, a timed-out call would be counted twice.
    const redis = new RateLimiterRedis({ ...opts, keyPrefix, storeClient: deps.redis, rejectIfRedisNotReady: true });
    // The wrapper copies its own blockDuration onto the insurance (0 unless given): pass the memory one.
    const wrapper = new RLWrapperTimeouts({
      limiter: redis,
      timeoutMs: settings.storeTimeoutMs,
      insuranceLimiter: memory,
      blockDuration: memory.blockDuration,
    });
    return wrapper;
  };
  // points = N - 1: the N-th failure is the consume that goes over and sets the block.
  const duration = settings.failureWindowSeconds;
  const pair = limiter("ip", {
    points: settings.maxFailuresPerAccountIp - 1,
    duration,
    blockDuration: settings.accountIpLockSeconds,
  });
  const account = limiter("acct", {
    points: settings.maxFailuresPerAccount - 1,
    duration,
    blockDuration: settings.accountLockSeconds,
  });
  // Only block()/get() are used: a present key means "wait until it expires".
  const delay = limiter("delay", { points: 1, duration: settings.maxDelaySeconds });
  const knownSeconds = memorySafe(settings.knownIpDays * 86_400);
  const known = limiter("known", { points: 1, duration: knownSeconds });
  // One lock email per account per IP-lock period, however many IPs an attacker spreads over.
  const notified = limiter("notified", { points: 1, duration: settings.accountIpLockSeconds });

  const keys = (email: string, ip: string) => {
    const a = accountKey(email);
    return { a, pair: `${a}:${normalizeIp(ip)}` };
  };
  const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

  return {
    async check(email, ip) {
      const k = keys(email, ip);
      const [pairRes, accountRes, delayRes, knownRes] = await Promise.all([
        pair.get(k.pair),
        account.get(k.a),
        delay.get(k.pair),
        known.get(k.pair),
      ]);
      if (pairRes && pairRes.consumedPoints >= settings.maxFailuresPerAccountIp) {
        return { scope: "ACCOUNT_IP", retryAfterSeconds: seconds(pairRes) };
      }
      if (accountRes && accountRes.consumedPoints >= settings.maxFailuresPerAccount && !knownRes) {
        return { scope: "ACCOUNT", retryAfterSeconds: seconds(accountRes) };
      }
      if (delayRes && delayRes.msBeforeNext > 0) return { scope: "DELAY", retryAfterSeconds: seconds(delayRes) };
      return null;
    },

    async recordFailure(email, ip) {
      const k = keys(email, ip);
      const [pairRes, accountRes] = await Promise.all([consume(pair, k.pair), consume(account, k.a)]);
      // Exactly one failure crosses each threshold (the counters are atomic in Redis).
      const accountLocked = accountRes.consumedPoints === settings.maxFailuresPerAccount;
      const pairLocked = pairRes.consumedPoints === settings.maxFailuresPerAccountIp;
      const scope: LockScope | null = accountLocked ? "ACCOUNT" : pairLocked ? "ACCOUNT_IP" : null;
      if (scope) {
        const notify = (await consume(notified, k.a)).consumedPoints === 1;
        const lockSeconds = scope === "ACCOUNT" ? settings.accountLockSeconds : settings.accountIpLockSeconds;
        const failures = scope === "ACCOUNT" ? accountRes.consumedPoints : pairRes.consumedPoints;
        return { locked: { scope, seconds: lockSeconds, failures, notify } };
      }
      const beyond = pairRes.consumedPoints - settings.freeFailures;
      if (beyond > 0) await delay.block(k.pair, Math.min(2 ** (beyond - 1), settings.maxDelaySeconds));
      return { locked: null };
    },

    async recordSuccess(email, ip) {
      const k = keys(email, ip);
      await Promise.all([
        pair.delete(k.pair),
        delay.delete(k.pair),
        account.delete(k.a),
        known.set(k.pair, 1, knownSeconds),
      ]);
    },
  };
}
