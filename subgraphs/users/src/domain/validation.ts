import { domainToASCII, domainToUnicode } from "node:url";
import { userError, type UserError } from "@shopgraph/errors";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.ts";
import { DEFAULT_MIN_PASSWORD_SCORE, passwordStrength } from "./password-strength.ts";

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by mail, not regex.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/u;
// After IDN → punycode every domain is ASCII letters, digits, hyphens and dots.
const ASCII_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Scripts a local part or domain label may be written in, each with the scripts it normally mixes
 * with (UTS #39 "highly restrictive": one script, or Han with its Japanese/Korean companions).
 * Common and Inherited (digits, punctuation, combining marks) go with any of them.
 */
const SINGLE_SCRIPT = [
  "Latin",
  "Cyrillic",
  "Greek",
  "Armenian",
  "Georgian",
  "Hebrew",
  "Arabic",
  "Thai",
  "Devanagari",
  "Bengali",
  "Tamil",
  "Han|Hiragana|Katakana",
  "Han|Hangul",
  "Han|Bopomofo",
].map((scripts) => {
  const allowed = scripts
    .split("|")
    .map((s) => `\\p{Script=${s}}`)
    .join("");
  return new RegExp(`^[\\p{Script=Common}\\p{Script=Inherited}${allowed}]+$`, "u");
});

/** True when the text is written in one script (plus digits and punctuation): `аlice` with a Cyrillic а is not. */
export const isSingleScript = (text: string): boolean => SINGLE_SCRIPT.some((re) => re.test(text));

/**
 * The form emails are stored and looked up in: NFKC (full-width and compatibility letters fold to
 * their plain form), trimmed, lower-cased, and the domain converted from IDN to ASCII punycode, so
 * `Ａlice@Bücher.example` and `alice@xn--bcher-kva.example` are one account. A domain that is not a
 * valid IDN is left as typed; {@link checkEmail} then refuses it.
 */
export function normalizeEmail(email: string): string {
  const folded = email.normalize("NFKC").trim().toLowerCase();
  const at = folded.lastIndexOf("@");
  if (at < 0) return folded;
  const ascii = domainToASCII(folded.slice(at + 1));
  return ascii ? `${folded.slice(0, at)}@${ascii}` : folded;
}

/**
 * INVALID_EMAIL unless the (normalized) address is plausible, at most 254 characters, has an ASCII
 * (punycode) domain and a local part written in a single script; each domain label, decoded from
 * punycode, must be single-script too (`exаmple.com` with a Cyrillic а hides as `xn--exmple-4nf.com`).
 */
export function checkEmail(email: string, field: string[]): UserError[] {
  const invalid = [userError("INVALID_EMAIL", "Enter a valid email address", field)];
  if (email.length > 254 || !EMAIL.test(email)) return invalid;
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!ASCII_DOMAIN.test(domain)) return invalid;
  if (!isSingleScript(local)) {
    return [
      userError(
        "INVALID_EMAIL",
        "The part before the @ mixes alphabets (look-alike letters); type it in one alphabet",
        field,
      ),
    ];
  }
  if (!domainToUnicode(domain).split(".").every(isSingleScript)) return invalid;
  return [];
}

/** Password policy knobs (config PASSWORD_MIN_SCORE). */
export interface PasswordPolicy {
  /** Lowest accepted zxcvbn score, 0–4. */
  minScore: number;
}

/** The policy when none is configured. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minScore: DEFAULT_MIN_PASSWORD_SCORE };

/**
 * WEAK_PASSWORD unless 10–256 characters, not the email itself, and at least `minScore` by zxcvbn
 * (common passwords, repeats like ten spaces, keyboard walks, words from the email and name).
 */
export function checkPassword(
  password: string,
  field: string[],
  email?: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  name?: string,
): UserError[] {
  const weak = (message: string) => [userError("WEAK_PASSWORD", message, field)];
  if (password.length < MIN_PASSWORD_LENGTH) return weak(`Password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) return weak(`Password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (email && password.trim().toLowerCase() === email) return weak("Password must not be your email address");
  const inputs = [email, email?.split("@")[0], name, "shopgraph"].filter((v): v is string => !!v);
  const { score, warning } = passwordStrength(password, inputs);
  if (score < policy.minScore) return weak(`Password is too easy to guess${warning ? `: ${warning}` : ""}`);
  return [];
}

/**
 * Characters a name must not contain: C0/C1 controls, line/paragraph separators, lone surrogates,
 * and invisible format characters — bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069),
 * marks (U+200E/U+200F, U+061C), BOM, word joiners — which reorder or hide text wherever the name is
 * shown (emails, admin lists). ZWNJ/ZWJ (U+200C/U+200D) stay: Persian, Indic names and emoji need them.
 */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200C\u200D])\p{Cf}/u;

/** The stored form of a name: trimmed and NFC-normalized (one encoding per visible name). */
export const normalizeName = (name: string): string => name.normalize("NFC").trim();

/** INVALID_NAME unless 1–100 characters after trimming, with no control or bidi/format characters. */
export function checkName(name: string, field: string[]): UserError[] {
  if (FORBIDDEN_IN_NAME.test(name)) {
    return [userError("INVALID_NAME", "Name must not contain control or invisible formatting characters", field)];
  }
  const length = normalizeName(name).length;
  return length >= 1 && length <= 100 ? [] : [userError("INVALID_NAME", "Name must be 1–100 characters", field)];
}
