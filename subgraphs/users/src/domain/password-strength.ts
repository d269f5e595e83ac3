import { createRequire } from "node:module";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import type * as Common from "@zxcvbn-ts/language-common";
import type * as English from "@zxcvbn-ts/language-en";

// The word lists are decompressed when their modules load (~0.13 CPU s): required on the first
// password check, not at start-up. Both packages are CommonJS, so a synchronous require works.
const requireList = createRequire(import.meta.url);

/** zxcvbn scores run 0 (too guessable) … 4 (very unguessable); 3 is its own "safely unguessable" mark. */
export const DEFAULT_MIN_PASSWORD_SCORE = 3;

/**
 * Only this many leading characters are analysed. zxcvbn's matching grows fast with length (a random
 * 256-character password took 4 s on this box): a password weak in its first 128 characters is
 * refused, anything longer is judged on that prefix.
 */
const ANALYSED_LENGTH = 128;

let factory: ZxcvbnFactory | undefined;

// Built on first use (≈ 0.2 s: the dictionaries are ranked once), not at import, so start-up stays fast.
function zxcvbn(): ZxcvbnFactory {
  if (factory) return factory;
  const common = requireList("@zxcvbn-ts/language-common") as typeof Common;
  const en = requireList("@zxcvbn-ts/language-en") as typeof English;
  factory = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    maxLength: ANALYSED_LENGTH,
    // The default (100) explores l33t variants combinatorially: 64 random characters cost ~400 ms.
    // 5 keeps every score we test identical and the cost under ~40 ms.
    l33tMaxSubstitutions: 5,
  });
  return factory;
}

/** Strength of a password (0–4) and zxcvbn's warning, judged offline against common-password and English lists. */
export function passwordStrength(
  password: string,
  userInputs: string[] = [],
): { score: number; warning: string | null } {
  const result = zxcvbn().check(password.slice(0, ANALYSED_LENGTH), userInputs);
  return { score: result.score, warning: result.feedback.warning };
}
