import type { Fetcher } from "@apollo/utils.fetcher";

/** Counts the gateway's subgraph fetches, to prove that a rejected operation called nothing. */
export function countingFetcher() {
  const counts: Record<string, number> = {};
  return {
    counts,
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    wrap:
      (subgraph: string, fetcher: Fetcher): Fetcher =>
      (url: string, init: unknown) => {
        counts[subgraph] = (counts[subgraph] ?? 0) + 1;
        return (fetcher as (u: string, i: unknown) => ReturnType<Fetcher>)(url, init);
      },
  };
}
