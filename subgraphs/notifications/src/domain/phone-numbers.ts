// The "max" metadata carries number types (premium rate, shared cost); the default "min" set cannot tell them apart.
import { parsePhoneNumberFromString, type NumberType } from "libphonenumber-js/max";

/** E.164: a plus, a non-zero country digit, 8–15 digits in all (what is stored and sent). */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** Longest input looked at; an E.164 number with spaces and dashes fits easily. */
export const MAX_PHONE_INPUT_LENGTH = 32;

/**
 * Ranges refused for SMS: texts to them are billed to the sender or shared with the number's
 * owner, which is how SMS-pumping fraud earns money from a sign-up form.
 */
export const REFUSED_NUMBER_TYPES: ReadonlySet<NumberType> = new Set(["PREMIUM_RATE", "SHARED_COST"]);

/** A checked SMS number: the E.164 form, or the userError code and message. */
export type SmsNumberCheck =
  | { ok: true; number: string }
  | { ok: false; code: "INVALID_PHONE_NUMBER" | "PHONE_NUMBER_NOT_ALLOWED"; message: string };

const INVALID_MESSAGE = "Phone number must be a valid international number, e.g. +447911123456";
const INVALID = { ok: false, code: "INVALID_PHONE_NUMBER", message: INVALID_MESSAGE } as const;

/**
 * Validates a number for SMS with libphonenumber's full metadata: international form only (a
 * leading +; spaces, dots, dashes and brackets are allowed and dropped), a number that exists in
 * its country's numbering plan, and not a premium-rate or shared-cost range.
 */
export function checkSmsNumber(input: string): SmsNumberCheck {
  const text = input.trim();
  if (text.length > MAX_PHONE_INPUT_LENGTH || !/^\+[\d\s().-]+$/.test(text)) return INVALID;
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed?.isValid() || !E164.test(parsed.number)) return INVALID;
  const type = parsed.getType();
  if (type && REFUSED_NUMBER_TYPES.has(type)) {
    const message = "Premium-rate and shared-cost numbers cannot receive SMS notifications";
    return { ok: false, code: "PHONE_NUMBER_NOT_ALLOWED", message };
  }
  return { ok: true, number: parsed.number };
}
