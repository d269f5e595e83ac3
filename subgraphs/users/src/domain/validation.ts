import { userError, type UserError } from "@shopgraph/errors";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords.ts";

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by mail, not regex.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** Lower-cased, trimmed email; emails are unique case-insensitively. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** INVALID_EMAIL unless the address is plausible and at most 254 characters. */
export function checkEmail(email: string, field: string[]): UserError[] {
  return email.length <= 254 && EMAIL.test(email) ? [] : [userError("INVALID_EMAIL", "Enter a valid email address", field)];
}

/** WEAK_PASSWORD unless 10–256 characters and not the email itself. */
export function checkPassword(password: string, field: string[], email?: string): UserError[] {
  if (password.length < MIN_PASSWORD_LENGTH) return [userError("WEAK_PASSWORD", `Password must be at least ${MIN_PASSWORD_LENGTH} characters`, field)];
  if (password.length > MAX_PASSWORD_LENGTH) return [userError("WEAK_PASSWORD", `Password must be at most ${MAX_PASSWORD_LENGTH} characters`, field)];
  if (email && password.trim().toLowerCase() === email) return [userError("WEAK_PASSWORD", "Password must not be your email address", field)];
  return [];
}

/** INVALID_NAME unless 1–100 characters after trimming. */
export function checkName(name: string, field: string[]): UserError[] {
  const length = name.trim().length;
  return length >= 1 && length <= 100 ? [] : [userError("INVALID_NAME", "Name must be 1–100 characters", field)];
}
