/** An expected business failure returned in a mutation payload's `userErrors`. */
export interface UserError {
  code: string;
  message: string;
  field?: string[];
}

/** Builds a {@link UserError}; `field` is the input path, e.g. ["input", "email"]. */
export function userError(code: string, message: string, field?: string[]): UserError {
  return field ? { code, message, field } : { code, message };
}

/** Thrown by domain functions for expected failures; resolvers turn it into a payload. */
export class DomainError extends Error {
  readonly userErrors: UserError[];
  constructor(...userErrors: UserError[]) {
    super(userErrors.map((e) => `${e.code}: ${e.message}`).join("; "));
    this.name = "DomainError";
    this.userErrors = userErrors;
  }
}

/**
 * Runs a mutation's domain call and shapes its payload: the value on success, `userErrors` on a
 * DomainError. Anything else propagates (and is masked as INTERNAL_SERVER_ERROR).
 */
export async function toPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<Record<K, T | null> & { userErrors: UserError[] }> {
  try {
    const value = await run();
    return { [key]: value, userErrors: [] } as Record<K, T | null> & { userErrors: UserError[] };
  } catch (error) {
    if (error instanceof DomainError) {
      return { [key]: null, userErrors: error.userErrors } as Record<K, T | null> & { userErrors: UserError[] };
    }
    throw error;
  }
}
