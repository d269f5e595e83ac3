import { userError, type UserError } from "@shopgraph/errors";
// The subpath, not the package: importing the package builds every seed fixture (~0.1 CPU s).
import { slugify } from "@shopgraph/fixtures/text";

/** Kebab-case, lowercase ASCII: safe in URLs without encoding. */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 100;
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 5000;
export const MAX_CATEGORY_NAME_LENGTH = 100;
/** Upper bound of a product's stock (and of initialStock); keeps every stock sum far from int overflow. */
export const MAX_STOCK = 1_000_000;

// Whole units up to 10 digits, then at most two fraction digits: "19.99", "5", "0.5".
const PRICE = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/** Validation outcome: the normalized value, or the userErrors explaining why there is none. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

const fail = (code: string, message: string, field: string[]): Checked<never> => ({
  ok: false,
  errors: [userError(code, message, field)],
});

/** INVALID_TITLE unless 1–200 characters after trimming. */
export function checkTitle(title: string, field: string[]): Checked<string> {
  const value = title.trim();
  return value.length >= 1 && value.length <= MAX_TITLE_LENGTH
    ? { ok: true, value }
    : fail("INVALID_TITLE", `Title must be 1–${MAX_TITLE_LENGTH} characters`, field);
}

/** INVALID_DESCRIPTION beyond 5,000 characters (an empty description is allowed). */
export function checkDescription(description: string, field: string[]): Checked<string> {
  const value = description.trim();
  return value.length <= MAX_DESCRIPTION_LENGTH
    ? { ok: true, value }
    : fail("INVALID_DESCRIPTION", `Description must be at most ${MAX_DESCRIPTION_LENGTH} characters`, field);
}

/** INVALID_NAME unless 1–100 characters after trimming. */
export function checkCategoryName(name: string, field: string[]): Checked<string> {
  const value = name.trim();
  return value.length >= 1 && value.length <= MAX_CATEGORY_NAME_LENGTH
    ? { ok: true, value }
    : fail("INVALID_NAME", `Name must be 1–${MAX_CATEGORY_NAME_LENGTH} characters`, field);
}

/**
 * The slug to store: the given one if well-formed (INVALID_SLUG otherwise), else one derived from
 * `source` (the title or name), cut to 100 characters at a word boundary.
 */
export function resolveSlug(
  given: string | null | undefined,
  source: string,
  field: string[],
): Checked<{ slug: string; derived: boolean }> {
  if (given !== null && given !== undefined) {
    if (given.length <= MAX_SLUG_LENGTH && SLUG_PATTERN.test(given))
      return { ok: true, value: { slug: given, derived: false } };
    return fail(
      "INVALID_SLUG",
      `Slug must be lowercase letters, digits and single hyphens (at most ${MAX_SLUG_LENGTH} characters)`,
      field,
    );
  }
  const slug = slugify(source).slice(0, MAX_SLUG_LENGTH).replace(/-+$/, "");
  return SLUG_PATTERN.test(slug)
    ? { ok: true, value: { slug, derived: true } }
    : fail("INVALID_SLUG", "Could not derive a slug from the title: pass one", field);
}

/** A derived slug made unique after a collision: a short random suffix, still within 100 characters. */
export function suffixSlug(slug: string): string {
  const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, "0");
  return `${slug.slice(0, MAX_SLUG_LENGTH - 7).replace(/-+$/, "")}-${suffix}`;
}

/** Minor units of a price; INVALID_PRICE unless a positive decimal with at most two fraction digits. */
export function checkPrice(price: string, field: string[]): Checked<bigint> {
  const match = PRICE.exec(price.trim());
  const minor = match?.[1] ? BigInt(match[1]) * 100n + BigInt((match[2] ?? "").padEnd(2, "0")) : 0n;
  return minor > 0n
    ? { ok: true, value: minor }
    : fail("INVALID_PRICE", 'Price must be a positive amount with at most two decimals, e.g. "19.99"', field);
}

/** INVALID_STOCK unless an integer 0–1,000,000. */
export function checkInitialStock(stock: number, field: string[]): Checked<number> {
  return Number.isInteger(stock) && stock >= 0 && stock <= MAX_STOCK
    ? { ok: true, value: stock }
    : fail("INVALID_STOCK", `Initial stock must be 0–${MAX_STOCK}`, field);
}

/** Collects every failure of several checks at once (the admin fixes the whole form in one go). */
export function errorsOf(...checks: Checked<unknown>[]): UserError[] {
  return checks.flatMap((c) => (c.ok ? [] : c.errors));
}
