/**
 * The replay mode's store: real subgraph answers recorded once, keyed by the request body, and
 * served back byte for byte. The body holds the subgraph operation and its variables (entity
 * representations included), never the caller's token (a header), so one recording serves every
 * unique-token request of a scenario while each request still reaches the gateway as unique work.
 */

/** One recorded subgraph answer. */
export interface Recording {
  status: number;
  contentType: string;
  body: string;
}

/** Body → answer, with hit/miss counters (a miss means the scenario was not recorded for that engine). */
export class ReplayStore {
  readonly #answers = new Map<string, Recording>();
  hits = 0;
  misses = 0;

  get size(): number {
    return this.#answers.size;
  }

  /** Stores an answer; an already recorded body keeps its first answer (recordings never change under load). */
  record(body: string, answer: Recording): void {
    if (!this.#answers.has(body)) this.#answers.set(body, answer);
  }

  /** The recorded answer for this exact body, or undefined (counted as a miss). */
  lookup(body: string): Recording | undefined {
    const answer = this.#answers.get(body);
    if (answer) this.hits++;
    else this.misses++;
    return answer;
  }
}

/** The GraphQL error a replay server answers for an unrecorded body (never a guess at data). */
export function missAnswer(subgraph: string): Recording {
  return {
    status: 200,
    contentType: "application/json",
    body: JSON.stringify({
      errors: [{ message: `replay: no recording of this ${subgraph} request`, extensions: { code: "REPLAY_MISS" } }],
    }),
  };
}
