import type { Db } from "./client.ts";

/** A device's platform (the database enum of the same name). */
export type PushPlatform = "IOS" | "ANDROID" | "WEB";

/** A device registered for push. */
export interface PushDevice {
  id: string;
  userId: string;
  platform: PushPlatform;
  token: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

type Tx = Pick<Db, "pushDevice">;

/**
 * Registers `token` to the user in one statement, so two concurrent registrations cannot both
 * insert. A token already held by another user moves: it gets a new id and fresh timestamps, so
 * nothing of the previous owner's device (its id, when it was last used) carries over.
 */
export async function upsertPushDevice(
  db: Db,
  userId: string,
  platform: PushPlatform,
  token: string,
): Promise<PushDevice> {
  const rows = await db.$queryRaw<PushDevice[]>`
    INSERT INTO "PushDevice" (id, "userId", platform, token)
    VALUES (gen_random_uuid(), ${userId}::uuid, ${platform}::"PushPlatform", ${token})
    ON CONFLICT (token) DO UPDATE SET
      id = CASE WHEN "PushDevice"."userId" = EXCLUDED."userId" THEN "PushDevice".id ELSE EXCLUDED.id END,
      "createdAt" = CASE WHEN "PushDevice"."userId" = EXCLUDED."userId" THEN "PushDevice"."createdAt" ELSE now() END,
      "lastUsedAt" = CASE WHEN "PushDevice"."userId" = EXCLUDED."userId" THEN "PushDevice"."lastUsedAt" ELSE NULL END,
      "userId" = EXCLUDED."userId",
      platform = EXCLUDED.platform
    RETURNING id, "userId", platform::text AS platform, token, "createdAt", "lastUsedAt"`;
  return rows[0]!;
}

/** Removes the user's devices beyond the newest `keep` (by registration); returns how many went. */
export async function trimPushDevices(db: Db, userId: string, keep: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "PushDevice" WHERE id IN (
      SELECT id FROM "PushDevice" WHERE "userId" = ${userId}::uuid ORDER BY "createdAt" DESC, id DESC OFFSET ${keep})`;
}

/** Removes the token if the user holds it; false when they do not (unknown, or another user's). */
export async function deletePushDevice(db: Tx, userId: string, token: string): Promise<boolean> {
  return (await db.pushDevice.deleteMany({ where: { userId, token } })).count > 0;
}

/** The devices of several users, newest first (DataLoader batches; the event handler fans out over them). */
export function findPushDevicesByUsers(db: Tx, userIds: readonly string[]): Promise<PushDevice[]> {
  return db.pushDevice.findMany({
    where: { userId: { in: [...userIds] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** The device holding a token, whoever it belongs to. */
export function findPushDeviceByToken(db: Tx, token: string): Promise<PushDevice | null> {
  return db.pushDevice.findUnique({ where: { token } });
}
