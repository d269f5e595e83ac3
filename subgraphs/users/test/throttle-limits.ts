/** Small login-throttle limits for the tests that count failures (users int and gateway e2e). */
export const THROTTLE_TEST_LIMITS = {
  LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: "5",
  LOGIN_ACCOUNT_IP_LOCK_SECONDS: "3",
  LOGIN_MAX_FAILURES_PER_ACCOUNT: "12",
  LOGIN_ACCOUNT_LOCK_SECONDS: "2",
  // The growing delay is tested in login-throttle.faults.test.ts; here it would only slow the counting.
  LOGIN_FREE_FAILURES: "20",
  // Counting must be exact here: on a loaded CI box a 250 ms deadline could hand a call to the
  // in-process fallback (login-throttle.faults.test.ts tests that path on purpose).
  LOGIN_THROTTLE_TIMEOUT_MS: "5000",
};
