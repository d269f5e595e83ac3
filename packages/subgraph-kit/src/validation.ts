import { badUserInput } from "@shopgraph/errors";

/** Trims `value` and checks its length; out of range → BAD_USER_INPUT on `field`. */
export function requireText(value: string, field: string[], min: number, max: number): string {
  const text = value.trim();
  if (text.length < min || text.length > max) {
    throw badUserInput(`${field.at(-1)} must be ${min}–${max} characters`, field);
  }
  return text;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a syntactically valid UUID (ids are UUIDs; anything else cannot exist). */
export const isUuid = (value: string): boolean => UUID.test(value);
