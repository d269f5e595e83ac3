import { DomainError, userError } from "@shopgraph/errors";
import { translatePrismaError } from "@shopgraph/db";
import type { Db } from "../db/client.ts";
import type { PublicUser } from "../db/user-repository.ts";
import { checkNewAccount } from "./accounts.ts";
import { hashPassword } from "./passwords.ts";
import type { PasswordPolicy } from "./validation.ts";

/**
 * Creates an ADMIN account (the operator's way to the first admin: production never seeds). The
 * same validation and hashing as register; `user.registered` goes to the outbox in the same
 * transaction, so notifications learns the contact. An existing email is refused (EMAIL_TAKEN):
 * the CLI never silently promotes or resets an account.
 */
export async function createAdmin(
  db: Db,
  input: { email: string; password: string; name: string },
  policy: PasswordPolicy,
): Promise<PublicUser> {
  const { email, name, errors } = checkNewAccount(input, policy);
  if (errors.length > 0) throw new DomainError(...errors);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.user.create({ data: { email, name, passwordHash, role: "ADMIN" } });
      const payload = { userId: created.id, email: created.email, name: created.name, role: created.role };
      await tx.outboxEvent.create({ data: { type: "user.registered", payload } });
      return { id: created.id, email: created.email, name: created.name, role: created.role, createdAt: created.createdAt };
    });
  } catch (error) {
    if (translatePrismaError(error)?.kind === "unique") {
      throw new DomainError(userError("EMAIL_TAKEN", "An account with this email already exists", ["input", "email"]));
    }
    throw error;
  }
}
