import { DomainError } from "@shopgraph/errors";
import type { Db } from "../db/client.ts";
import { createUserWithEvent, type PublicUser } from "../db/user-repository.ts";
import { checkNewAccount, emailTaken, registeredEvent } from "./accounts.ts";
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
  const created = await createUserWithEvent(db, { email, name, passwordHash, role: "ADMIN" }, registeredEvent);
  if (!created) throw emailTaken();
  return created;
}
