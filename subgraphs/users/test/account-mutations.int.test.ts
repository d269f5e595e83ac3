import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startTestUsers } from "./harness.ts";

// changePassword (and the sessions it revokes), updateProfile and setUserRole, on the users subgraph itself.
let users: Awaited<ReturnType<typeof startTestUsers>>;
let adminToken: string;
beforeAll(async () => {
  users = await startTestUsers();
  adminToken = (await login(seedAdmin.email, DEMO_PASSWORDS.admin)).data?.login.session.accessToken;
});
afterAll(() => users?.close());

const SESSION = "session { accessToken refreshToken user { id name role } } userErrors { code field }";
const login = (email: string, password: string) =>
  gql(users.graphqlUrl, `mutation($i: LoginInput!) { login(input: $i) { ${SESSION} } }`, {
    variables: { i: { email, password } },
  });
const refresh = (refreshToken: string) =>
  gql(users.graphqlUrl, `mutation($t: String!) { refreshSession(refreshToken: $t) { ${SESSION} } }`, {
    variables: { t: refreshToken },
  });
const changePassword = (token: string | undefined, currentPassword: string, newPassword: string) =>
  gql(
    users.graphqlUrl,
    "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { success userErrors { code field } } }",
    {
      ...(token ? { token } : {}),
      variables: { i: { currentPassword, newPassword } },
    },
  );
const updateProfile = (token: string | undefined, name: string) =>
  gql(
    users.graphqlUrl,
    "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { id name } userErrors { code field } } }",
    {
      ...(token ? { token } : {}),
      variables: { i: { name } },
    },
  );
const setUserRole = (token: string, userId: string, role: string) =>
  gql(
    users.graphqlUrl,
    "mutation($u: ID!, $r: Role!) { setUserRole(userId: $u, role: $r) { user { id role } userErrors { code field } } }",
    {
      token,
      variables: { u: userId, r: role },
    },
  );

const PASSWORD = "violet-harbor-engine-42";
const NEW_PASSWORD = "amber-glacier-lantern-77";

/** A fresh customer, so each test owns its account and sessions. */
async function newCustomer() {
  const email = `acct-${randomUUID()}@example.com`;
  const res = await gql(users.graphqlUrl, `mutation($i: RegisterInput!) { register(input: $i) { ${SESSION} } }`, {
    variables: { i: { email, password: PASSWORD, name: "Account Tester" } },
  });
  const session = res.data?.register.session;
  expect(session, JSON.stringify(res.errors ?? res.data?.register.userErrors)).toBeTruthy();
  return {
    email,
    session: session as { accessToken: string; refreshToken: string; user: { id: string; name: string; role: string } },
  };
}

describe("changePassword", () => {
  it("refuses anonymous callers with UNAUTHENTICATED", async () => {
    const res = await changePassword(undefined, PASSWORD, NEW_PASSWORD);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a wrong current password with INVALID_CREDENTIALS and changes nothing: sessions and password stay", async () => {
    const { email, session } = await newCustomer();
    const res = await changePassword(session.accessToken, "not-the-password-1", NEW_PASSWORD);
    expect(res.data?.changePassword).toEqual({
      success: false,
      userErrors: [{ code: "INVALID_CREDENTIALS", field: ["input", "currentPassword"] }],
    });
    expect((await refresh(session.refreshToken)).data?.refreshSession.session).toBeTruthy();
    expect((await login(email, PASSWORD)).data?.login.session).toBeTruthy();
    expect((await login(email, NEW_PASSWORD)).data?.login.userErrors[0]?.code).toBe("INVALID_CREDENTIALS");
  });

  it("refuses reusing the current password as the new one", async () => {
    const { session } = await newCustomer();
    const res = await changePassword(session.accessToken, PASSWORD, PASSWORD);
    expect(res.data?.changePassword.success).toBe(false);
    expect(res.data?.changePassword.userErrors).toContainEqual({
      code: "WEAK_PASSWORD",
      field: ["input", "newPassword"],
    });
  });

  it("changes the password and revokes every session of the user, the caller's included", async () => {
    const { email, session } = await newCustomer();
    const other = (await login(email, PASSWORD)).data?.login.session;
    expect((await changePassword(session.accessToken, PASSWORD, NEW_PASSWORD)).data?.changePassword).toEqual({
      success: true,
      userErrors: [],
    });
    for (const token of [session.refreshToken, other.refreshToken]) {
      expect((await refresh(token)).data?.refreshSession).toEqual({
        session: null,
        userErrors: [expect.objectContaining({ code: "INVALID_REFRESH_TOKEN" })],
      });
    }
    expect((await login(email, PASSWORD)).data?.login.userErrors[0]?.code).toBe("INVALID_CREDENTIALS");
    expect((await login(email, NEW_PASSWORD)).data?.login.session.user.id).toBe(session.user.id);
  });
});

describe("updateProfile", () => {
  it("refuses anonymous callers with UNAUTHENTICATED", async () => {
    expect((await updateProfile(undefined, "Nobody")).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("stores the trimmed name of the caller, and only the caller's", async () => {
    const { session } = await newCustomer();
    const bystander = await newCustomer();
    const res = await updateProfile(session.accessToken, "  Renée Dupont  ");
    expect(res.data?.updateProfile).toEqual({ user: { id: session.user.id, name: "Renée Dupont" }, userErrors: [] });
    expect((await users.db.user.findUniqueOrThrow({ where: { id: session.user.id } })).name).toBe("Renée Dupont");
    expect((await users.db.user.findUniqueOrThrow({ where: { id: bystander.session.user.id } })).name).toBe(
      "Account Tester",
    );
  });
});

describe("setUserRole", () => {
  it("is ADMIN only: a customer gets FORBIDDEN and no role changes", async () => {
    const { session } = await newCustomer();
    const target = await newCustomer();
    const res = await setUserRole(session.accessToken, target.session.user.id, "ADMIN");
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await users.db.user.findUniqueOrThrow({ where: { id: target.session.user.id } })).role).toBe("CUSTOMER");
  });

  it("lets an admin promote and demote a user; the user's refresh still works and carries the new role", async () => {
    const { session } = await newCustomer();
    expect((await setUserRole(adminToken, session.user.id, "ADMIN")).data?.setUserRole).toEqual({
      user: { id: session.user.id, role: "ADMIN" },
      userErrors: [],
    });
    expect((await users.db.user.findUniqueOrThrow({ where: { id: session.user.id } })).role).toBe("ADMIN");
    expect((await refresh(session.refreshToken)).data?.refreshSession.session.user.role).toBe("ADMIN");
    expect((await setUserRole(adminToken, session.user.id, "CUSTOMER")).data?.setUserRole.user.role).toBe("CUSTOMER");
  });

  it("answers NOT_FOUND for an unknown or malformed user id, and CANNOT_DEMOTE_SELF for the admin's own demotion", async () => {
    for (const id of [randomUUID(), "not-a-uuid"]) {
      expect((await setUserRole(adminToken, id, "ADMIN")).data?.setUserRole).toEqual({
        user: null,
        userErrors: [{ code: "NOT_FOUND", field: ["userId"] }],
      });
    }
    expect((await setUserRole(adminToken, seedAdmin.id, "CUSTOMER")).data?.setUserRole).toEqual({
      user: null,
      userErrors: [{ code: "CANNOT_DEMOTE_SELF", field: ["role"] }],
    });
    expect((await users.db.user.findUniqueOrThrow({ where: { id: seedAdmin.id } })).role).toBe("ADMIN");
  });
});
