import { badUserInput } from "@shopgraph/errors";

/** Trims `value` and checks its length; out of range → BAD_USER_INPUT on `field`. */
export function requireText(value: string, field: string[], min: number, max: number): string {
  const text = value.trim();
  if (text.length < min || text.length > max) {
    throw badUserInput(`${field.at(-1)} must be ${min}–${max} characters`, field);
  }
  return text;
}

/** True for a syntactically valid UUID (ids are UUIDs; anything else cannot exist). The one copy lives in @shopgraph/util. */
export { isUuid } from "@shopgraph/util";
