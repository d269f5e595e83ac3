import type { Logger } from "@shopgraph/logger";
import type { Db } from "./db/client.ts";
import { hashPassword } from "./domain/passwords.ts";

/** Inserts the demo accounts into an empty database (development and e2e tests). */
export async function seedUsersDatabase(db: Db, logger: Logger): Promise<void> {
  if ((await db.user.count()) > 0) return;
  // Loaded only now: the fixtures are built when imported (~0.1 CPU s and their memory for the
  // process's lifetime), which a warm start, whose database is already seeded, never needs.
  const { DEMO_PASSWORDS, seedUsers } = await import("@shopgraph/fixtures");
  const [adminHash, customerHash] = await Promise.all([
    hashPassword(DEMO_PASSWORDS.admin),
    hashPassword(DEMO_PASSWORDS.customer),
  ]);
  await db.user.createMany({
    data: seedUsers.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      createdAt: u.createdAt,
      passwordHash: u.role === "ADMIN" ? adminHash : customerHash,
    })),
    skipDuplicates: true,
  });
  logger.info({ users: seedUsers.length }, "seeded demo users");
}
