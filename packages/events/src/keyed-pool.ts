/**
 * Runs `work` over `items` with at most `concurrency` running at once, while items that share a
 * key run one after another in their given order (a lane per key, lanes taken in the order of
 * their first item). A lane whose item throws stops there, so a later item of the same key never
 * overtakes one that failed unexpectedly; the other lanes go on, and the first error is rethrown
 * once everything started has settled. Nothing new starts once `signal` aborts.
 */
export async function runKeyed<T>(
  items: readonly T[],
  options: { concurrency: number; keyOf: (item: T) => string; signal?: AbortSignal },
  work: (item: T) => Promise<void>,
): Promise<void> {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = options.keyOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  const queue = [...lanes.values()];
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) {
      for (const item of lane) {
        if (options.signal?.aborted) return;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
          break;
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
}
