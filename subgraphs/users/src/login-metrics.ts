import type { Logger } from "@shopgraph/logger";
import { counter } from "@shopgraph/metrics";
import type { LoginThrottle } from "./domain/login-throttle.ts";

const throttled = counter<"outcome" | "scope">({
  name: "users_login_throttle_total",
  help: "Failed-login throttle: attempts refused (outcome=refused) and locks engaged (outcome=locked), by scope",
  labelNames: ["outcome", "scope"],
});

/**
 * Counts refusals and locks (a spike of locks is an attack in progress: alert on it) and logs each
 * lock once. Logs carry the scope and the client address, never the email (an attacker's guess list).
 */
export function observeLoginThrottle(throttle: LoginThrottle, logger: Logger): LoginThrottle {
  return {
    async check(email, ip) {
      const verdict = await throttle.check(email, ip);
      if (verdict) throttled.inc({ outcome: "refused", scope: verdict.scope });
      return verdict;
    },
    async recordFailure(email, ip) {
      const outcome = await throttle.recordFailure(email, ip);
      if (outcome.locked) {
        throttled.inc({ outcome: "locked", scope: outcome.locked.scope });
        const { scope, failures, seconds } = outcome.locked;
        logger.warn({ scope, failures, lockSeconds: seconds, clientIp: ip }, "sign-in locked after failed passwords");
      }
      return outcome;
    },
    recordSuccess: (email, ip) => throttle.recordSuccess(email, ip),
  };
}
