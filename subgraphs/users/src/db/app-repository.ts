import { createdAtAfter, NEWEST_FIRST } from "@shopgraph/subgraph-kit";
import type { Db } from "./client.ts";
import type { Prisma } from "./generated/client.ts";

/** A registered third-party app (an OAuth client); `secretHash` never leaves the users service. */
export interface StoredApp {
  id: string;
  name: string;
  type: "PUBLIC" | "CONFIDENTIAL";
  redirectUris: string[];
  scopes: string[];
  machineToMachine: boolean;
  secretHash: string | null;
  createdAt: Date;
}

/** Stores a new app; its id becomes the client_id. */
export function insertApp(
  db: Db,
  app: Omit<StoredApp, "id" | "createdAt"> & { createdById: string },
): Promise<StoredApp> {
  return db.oAuthApp.create({ data: app });
}

/** An app by id, or null. */
export function findApp(db: Db, id: string): Promise<StoredApp | null> {
  return db.oAuthApp.findUnique({ where: { id } });
}

/** Apps by id, in one query (DataLoader batches). */
export function findAppsByIds(db: Db, ids: readonly string[]): Promise<StoredApp[]> {
  return db.oAuthApp.findMany({ where: { id: { in: [...ids] } } });
}

/** A newest-first page of apps (fetches first + 1 to know whether there is more). */
export function listApps(db: Db, first: number, after: string | null | undefined): Promise<StoredApp[]> {
  const where = createdAtAfter(after) as Prisma.OAuthAppWhereInput | undefined;
  return db.oAuthApp.findMany({ ...(where ? { where } : {}), orderBy: [...NEWEST_FIRST], take: first + 1 });
}

/** Total number of apps. */
export const countApps = (db: Db): Promise<number> => db.oAuthApp.count();

/** Replaces an app's secret hash; false when the app does not exist. */
export async function setAppSecretHash(db: Db, id: string, secretHash: string): Promise<boolean> {
  const { count } = await db.oAuthApp.updateMany({ where: { id }, data: { secretHash } });
  return count === 1;
}

/**
 * Deletes an app and every artifact the authorization server holds for it (grants, codes, refresh
 * tokens) in one transaction; returns the ids of the grants dropped, or null when there was no app.
 */
export async function deleteAppWithArtifacts(db: Db, id: string): Promise<string[] | null> {
  return db.$transaction(async (tx) => {
    const grants = await tx.oidcPayload.findMany({ where: { clientId: id, model: "Grant" }, select: { id: true } });
    await tx.oidcPayload.deleteMany({ where: { clientId: id } });
    const { count } = await tx.oAuthApp.deleteMany({ where: { id } });
    return count === 1 ? grants.map((g) => g.id) : null;
  });
}
