import { describe, expect, it } from "vitest";
import { createLoginThrottle, normalizeIp, type LoginThrottleSettings } from "../src/domain/login-throttle.ts";

const SETTINGS: LoginThrottleSettings = {
  maxFailuresPerAccountIp: 3,
  accountIpLockSeconds: 60,
  maxFailuresPerAccount: 5,
  accountLockSeconds: 30,
  failureWindowSeconds: 60,
  freeFailures: 10,
  maxDelaySeconds: 1,
  knownIpDays: 1,
  storeTimeoutMs: 50,
};

describe("normalizeIp", () => {
  it.each([
    ["203.0.113.5", "203.0.113.5"],
    ["::ffff:203.0.113.5", "203.0.113.5"],
    ["2001:db8:0:1::1", "2001:db8:0:1::/64"],
    ["2001:0DB8:0000:0001:ffff:1:2:3", "2001:db8:0:1::/64"],
    ["2001:db8::", "2001:db8:0:0::/64"],
    ["unknown", "unknown"],
  ])("%s → %s", (ip, expected) => expect(normalizeIp(ip)).toBe(expected));
});

describe("login throttle without Redis (in-process)", () => {
  it("locks the pair after N failures and reports the lock once, with a notification flag", async () => {
    const throttle = createLoginThrottle(SETTINGS, { keyPrefix: "m1:" });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await throttle.recordFailure("a@example.com", "203.0.113.1")).locked);
    expect(outcomes).toEqual([null, null, { scope: "ACCOUNT_IP", seconds: 60, failures: 3, notify: true }]);
    expect(await throttle.check("a@example.com", "203.0.113.1")).toEqual({
      scope: "ACCOUNT_IP",
      retryAfterSeconds: 60,
    });
    expect(await throttle.check("a@example.com", "203.0.113.2")).toBeNull();
  });

  it("treats every address of one IPv6 /64 as one client", async () => {
    const throttle = createLoginThrottle(SETTINGS, { keyPrefix: "m2:" });
    for (const host of ["1", "2", "3"]) await throttle.recordFailure("v6@example.com", `2001:db8:aa:bb::${host}`);
    expect((await throttle.check("v6@example.com", "2001:db8:aa:bb::ffff"))?.scope).toBe("ACCOUNT_IP");
    expect(await throttle.check("v6@example.com", "2001:db8:aa:cc::1")).toBeNull();
  });

  it("sends one lock e-mail per account per lock period, however many pairs an attacker locks", async () => {
    const throttle = createLoginThrottle({ ...SETTINGS, maxFailuresPerAccount: 50 }, { keyPrefix: "m3:" });
    const notified = [];
    for (const ip of ["203.0.113.10", "203.0.113.11", "203.0.113.12"]) {
      for (let i = 0; i < 3; i++) {
        const { locked } = await throttle.recordFailure("b@example.com", ip);
        if (locked) notified.push(locked.notify);
      }
    }
    expect(notified).toEqual([true, false, false]);
  });
});

describe("known IPs without Redis", () => {
  it("exempts the owner's IP from the account-wide lock for LOGIN_KNOWN_IP_DAYS (in-process timers included)", async () => {
    const throttle = createLoginThrottle(
      { ...SETTINGS, maxFailuresPerAccountIp: 50, knownIpDays: 21 },
      { keyPrefix: "m4:" },
    );
    await throttle.recordSuccess("c@example.com", "192.0.2.1");
    for (let i = 0; i < 5; i++) await throttle.recordFailure("c@example.com", `203.0.113.${i}`);
    expect((await throttle.check("c@example.com", "198.51.100.1"))?.scope).toBe("ACCOUNT");
    // A 21-day in-process timer must not overflow (Node turns > 2^31 ms into 1 ms and the key vanishes).
    await new Promise((r) => setTimeout(r, 20));
    expect(await throttle.check("c@example.com", "192.0.2.1")).toBeNull();
  });
});
