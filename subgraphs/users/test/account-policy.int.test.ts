import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startTestUsers } from "./harness.ts";

// Issue #13 finding 10: weak passwords, look-alike emails and names with control/bidi characters.
let users: Awaited<ReturnType<typeof startTestUsers>>;
beforeAll(async () => {
  users = await startTestUsers();
});
afterAll(() => users?.close());

const SESSION = "session { accessToken user { id email name } } userErrors { code field message }";
const REGISTER = `mutation($i: RegisterInput!) { register(input: $i) { ${SESSION} } }`;
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { ${SESSION} } }`;
const register = (input: Record<string, string>) => gql(users.graphqlUrl, REGISTER, { variables: { i: input } });
const login = (email: string, password: string) =>
  gql(users.graphqlUrl, LOGIN, { variables: { i: { email, password } } });
const STRONG = "violet-harbor-engine-42";

describe("password strength (zxcvbn)", () => {
  const WEAK = ["          ", "password123", "qwertyuiop12", "1234567890", "aaaaaaaaaaaa", "shopgraph2026"];
  it.each(WEAK)("refuses %j with WEAK_PASSWORD and creates nothing", async (password) => {
    const before = await users.db.user.count();
    const res = await register({ email: `weak-${before}@example.com`, password, name: "Weak" });
    expect(res.data?.register.session).toBeNull();
    expect(res.data?.register.userErrors).toContainEqual(
      expect.objectContaining({ code: "WEAK_PASSWORD", field: ["input", "password"] }),
    );
    expect(await users.db.user.count()).toBe(before);
  });

  it("refuses a password built from the user's own email", async () => {
    const res = await register({
      email: "margaret.hamilton@example.com",
      password: "margaret.hamilton1",
      name: "Margaret",
    });
    expect(res.data?.register.userErrors).toContainEqual(expect.objectContaining({ code: "WEAK_PASSWORD" }));
  });

  it("accepts a strong password and the README's demo passwords score high enough", async () => {
    const res = await register({ email: "strong@example.com", password: STRONG, name: "Strong" });
    expect(res.data?.register.userErrors).toEqual([]);
    expect((await login(seedCustomer.email, DEMO_PASSWORDS.customer)).data?.login.userErrors).toEqual([]);
  });

  it("refuses a weak new password in changePassword and keeps the old one", async () => {
    const session = (await register({ email: "changer@example.com", password: STRONG, name: "Changer" })).data?.register
      .session;
    const mutation =
      "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { success userErrors { code field } } }";
    const change = await gql(users.graphqlUrl, mutation, {
      token: session.accessToken,
      variables: { i: { currentPassword: STRONG, newPassword: "password1234" } },
    });
    const refused = { success: false, userErrors: [{ code: "WEAK_PASSWORD", field: ["input", "newPassword"] }] };
    expect(change.data?.changePassword).toEqual(refused);
    expect((await login("changer@example.com", STRONG)).data?.login.userErrors).toEqual([]);
  });

  it("honours a stricter PASSWORD_MIN_SCORE", async () => {
    const strict = await startTestUsers({ PASSWORD_MIN_SCORE: "4", SEED: "false" });
    try {
      // "whatever password" scores 3: fine by default, refused at 4.
      const res = await gql(
        strict.graphqlUrl,
        "mutation($i: RegisterInput!) { register(input: $i) { userErrors { code } } }",
        {
          variables: { i: { email: "strict@example.com", password: "whatever password", name: "Strict" } },
        },
      );
      expect(res.data?.register.userErrors).toEqual([{ code: "WEAK_PASSWORD" }]);
    } finally {
      await strict.close();
    }
  });
});

describe("email normalization", () => {
  it("refuses a local part mixing scripts (Cyrillic а in alice) with INVALID_EMAIL", async () => {
    expect(
      (await register({ email: "alice@example.com", password: STRONG, name: "Alice" })).data?.register.userErrors,
    ).toEqual([]);
    const before = await users.db.user.count();
    const res = await register({ email: "\u0430lice@example.com", password: STRONG, name: "Fake Alice" });
    expect(res.data?.register.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_EMAIL", field: ["input", "email"] }),
    ]);
    expect(await users.db.user.count()).toBe(before);
  });

  it("refuses a mixed-script domain label, also when typed as punycode", async () => {
    for (const email of ["bob@ex\u0430mple.com", "bob@xn--exmple-4nf.com"]) {
      const res = await register({ email, password: STRONG, name: "Bob" });
      expect(res.data?.register.userErrors).toEqual([expect.objectContaining({ code: "INVALID_EMAIL" })]);
    }
  });

  it("folds full-width and upper-case look-alikes (NFKC) into the existing account: EMAIL_TAKEN, and they sign in to it", async () => {
    const fullWidth = "\uFF21\uFF2C\uFF29\uFF23\uFF25@\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25.com"; // ＡＬＩＣＥ@ＥＸＡＭＰＬＥ.com
    const again = await register({ email: fullWidth, password: STRONG, name: "Alice Again" });
    expect(again.data?.register.userErrors).toEqual([expect.objectContaining({ code: "EMAIL_TAKEN" })]);
    expect((await login(fullWidth, STRONG)).data?.login.session.user.email).toBe("alice@example.com");
  });

  it("stores IDN domains as ASCII punycode and finds them however they are typed", async () => {
    const res = await register({ email: "Kunde@Bücher.example", password: STRONG, name: "Kunde" });
    expect(res.data?.register.session.user.email).toBe("kunde@xn--bcher-kva.example");
    expect((await login("kunde@BÜCHER.example", STRONG)).data?.login.session.user.email).toBe(
      "kunde@xn--bcher-kva.example",
    );
    expect((await login("kunde@xn--bcher-kva.example", STRONG)).data?.login.userErrors).toEqual([]);
  });

  it("accepts a single-script non-Latin local part", async () => {
    const res = await register({ email: "иван@пример.рф", password: STRONG, name: "Иван" });
    expect(res.data?.register.session.user.email).toBe("иван@xn--e1afmkfd.xn--p1ai");
  });
});

describe("names", () => {
  // NUL never gets this far: the shared client-input plugin refuses it for every string (BAD_USER_INPUT).
  const BAD_NAMES = [
    "Ada\u202Eecalevol",
    "Ada\u2066x\u2069",
    "Ada\u0007",
    "Ada\u001B[31m",
    "Ada\u0085",
    "Ada\u200F",
    "Ada\u2028Lovelace",
    "A\uFEFFda",
  ];

  it.each(BAD_NAMES)("register refuses %j with INVALID_NAME and creates nothing", async (name) => {
    const before = await users.db.user.count();
    const res = await register({ email: `name-${before}@example.com`, password: STRONG, name });
    expect(res.data?.register.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_NAME", field: ["input", "name"] }),
    ]);
    expect(await users.db.user.count()).toBe(before);
  });

  it("updateProfile refuses bidi overrides and control characters and keeps the stored name", async () => {
    const session = (await register({ email: "profile@example.com", password: STRONG, name: "Plain Name" })).data
      ?.register.session;
    for (const name of BAD_NAMES) {
      const mutation =
        "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { name } userErrors { code field } } }";
      const res = await gql(users.graphqlUrl, mutation, {
        token: session.accessToken,
        variables: { i: { name } },
      });
      expect(res.data?.updateProfile).toEqual({
        user: null,
        userErrors: [{ code: "INVALID_NAME", field: ["input", "name"] }],
      });
    }
    expect((await users.db.user.findUniqueOrThrow({ where: { id: session.user.id } })).name).toBe("Plain Name");
  });

  it("keeps names that need ZWJ/ZWNJ and stores them NFC-normalized", async () => {
    const persian = "\u0646\u0627\u0645\u200C\u062E\u0627\u0646\u0648\u0627\u062F\u06AF\u06CC"; // with a ZWNJ
    const res = await register({ email: "nfc@example.com", password: STRONG, name: ` Zoe\u0308 ${persian} ` });
    expect(res.data?.register.userErrors).toEqual([]);
    expect(res.data?.register.session.user.name).toBe(`Zo\u00EB ${persian}`);
  });
});
