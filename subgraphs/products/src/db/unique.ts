import { translatePrismaError } from "@shopgraph/db";

/** Awaits an insert; a unique violation (a taken slug) becomes null, every other error passes. */
export async function nullIfTaken<T>(insert: Promise<T>): Promise<T | null> {
  try {
    return await insert;
  } catch (error) {
    if (translatePrismaError(error)?.kind === "unique") return null;
    throw error;
  }
}
