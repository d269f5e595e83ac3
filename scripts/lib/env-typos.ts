// A misspelled variable name is silent: zod drops keys it does not know, so `MAX_DEPHT=8` starts a
// gateway with the default depth and nothing says so. Before anything starts, `pnpm start` looks
// for names that are not a variable of any Shopgraph process but are one or two edits away from a
// gateway variable, and refuses with "did you mean".

/** Variables named in a `.env.example`-style text (`NAME=value` or `# NAME=value` lines). */
export function documentedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      rows[i]![j] = best;
    }
  }
  return at(a.length, b.length);
}

/** How far a name may be from a real one and still count as its typo: short names are too close to the shell's own (HOME/HOST). */
const tolerance = (name: string): number => (name.length >= 8 ? 2 : name.length >= 5 ? 1 : 0);

/**
 * The environment's likely typos of gateway variables: names in `env` that are neither a gateway
 * variable nor in `known` (every other process's variables), within `tolerance` of a gateway one.
 * Returns one "NAME is not a variable; did you mean X?" line per typo, sorted.
 */
export function findVariableTypos(
  env: NodeJS.ProcessEnv,
  gatewayVariables: Iterable<string>,
  known: ReadonlySet<string>,
): string[] {
  const gateway = [...gatewayVariables];
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || known.has(name) || gateway.includes(name)) continue;
    const limit = tolerance(name);
    if (limit === 0) continue;
    const nearest = gateway
      .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
      .filter(({ distance }) => distance <= limit)
      .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))[0];
    if (nearest)
      problems.push(`${name} is not a variable of the gateway or any service; did you mean ${nearest.candidate}?`);
  }
  return problems;
}
