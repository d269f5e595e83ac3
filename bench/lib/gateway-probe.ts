/**
 * Preloaded (`node --expose-gc --import`) into the soak's gateway process only. On request over
 * the IPC channel it runs a full garbage collection and reports what is still retained: the leak
 * signal, as opposed to RSS, which also grows while V8 merely enlarges its heap.
 */
process.on("message", (message: { type?: string }) => {
  if (message?.type !== "memory") return;
  // --expose-gc puts gc on globalThis; without the flag the probe reports without collecting.
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  process.send?.({
    type: "memory",
    heapUsedMb: usage.heapUsed / 2 ** 20,
    externalMb: usage.external / 2 ** 20,
    rssMb: usage.rss / 2 ** 20,
  });
});
process.channel?.unref();

export {};
