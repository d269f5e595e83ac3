import { argon2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ARGON2_PARAMS, hashPassword, verifyPassword } from "../src/domain/passwords.ts";

const argon2Async = promisify(argon2);
const PASSWORD = "correct horse battery staple";

/** A PHC string made directly with node:crypto, with parameters of the test's choosing. */
async function phcWith(
  password: string,
  params: { memory: number; passes: number; parallelism: number; tagLength: number },
) {
  const nonce = randomBytes(16);
  const tag = await argon2Async("argon2id", { message: password, nonce, ...params });
  return `$argon2id$v=19$m=${params.memory},t=${params.passes},p=${params.parallelism}$${nonce.toString("base64url")}$${tag.toString("base64url")}`;
}

describe("PHC encoding of password hashes", () => {
  it("encodes argon2id v19 with OWASP's parameters, a 16-byte salt and a 32-byte tag, base64url without padding", async () => {
    const phc = await hashPassword(PASSWORD);
    const [, algorithm, version, params, salt, tag, ...rest] = phc.split("$");
    expect(rest).toEqual([]);
    expect([algorithm, version, params]).toEqual([
      "argon2id",
      "v=19",
      `m=${ARGON2_PARAMS.memory},t=${ARGON2_PARAMS.passes},p=${ARGON2_PARAMS.parallelism}`,
    ]);
    expect(Buffer.from(salt!, "base64url")).toHaveLength(16);
    expect(Buffer.from(tag!, "base64url")).toHaveLength(ARGON2_PARAMS.tagLength);
    expect(`${salt}${tag}`).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("salts every hash: the same password never hashes to the same string", async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD, b)).toBe(true);
  });

  it("verifies the right password only", async () => {
    const phc = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, phc)).toBe(true);
    expect(await verifyPassword(`${PASSWORD} `, phc)).toBe(false);
    expect(await verifyPassword("", phc)).toBe(false);
  });

  it("parses the parameters stored in the hash, so hashes made with older parameters keep verifying", async () => {
    const older = await phcWith(PASSWORD, { memory: 8_192, passes: 1, parallelism: 1, tagLength: 16 });
    expect(await verifyPassword(PASSWORD, older)).toBe(true);
    expect(await verifyPassword("another password", older)).toBe(false);
    // The same salt and tag read with other parameters than those they were made with do not verify.
    expect(await verifyPassword(PASSWORD, older.replace("t=1", "t=2"))).toBe(false);
  });

  it("refuses, without throwing, anything that is not an argon2id v19 PHC string or was tampered with", async () => {
    const phc = await hashPassword(PASSWORD);
    const tag = phc.split("$").at(-1)!;
    const flipped = phc.slice(0, -tag.length) + (tag[0] === "A" ? "B" : "A") + tag.slice(1);
    for (const bad of [
      "",
      "plaintext",
      phc.replace("$argon2id$", "$argon2i$"),
      phc.replace("v=19", "v=16"),
      phc.replace(/\$[^$]+$/, ""),
      `${phc}$extra`,
      phc.replace(/m=\d+/, "m=x"),
      phc.replace(/\$([^$]+)\$([^$]+)$/, "$$$1+/=$$$2"),
      flipped,
    ]) {
      expect(await verifyPassword(PASSWORD, bad), bad).toBe(false);
    }
  });
});
