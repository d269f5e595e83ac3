/**
 * Resolves after `ms`, or at once when `signal` aborts (loops stop promptly on shutdown). Unlike
 * node:timers/promises' setTimeout it never rejects: an aborted wait is simply over, so callers
 * check their own stop condition instead of catching an AbortError.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
