import { randomUUID } from "node:crypto";
import type { GraphQLResolveInfo } from "graphql";
import { describe, expect, it } from "vitest";
import { isAdmin, isAuthenticated, isOwner, isOwnerOrAdmin, isService, type AuthContext, type Viewer } from "../src/index.ts";

// The rules as graphql-shield runs them: resolve() with shield's per-request cache on the context.
type ShieldRule = { resolve(parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo, options: object): Promise<boolean | Error> };
const options = { debug: true, allowExternalErrors: true, hashFunction: JSON.stringify };
const info = { fieldName: "f", parentType: { name: "T" } } as unknown as GraphQLResolveInfo;
const ctxOf = (viewer: Viewer | null, isService = false): AuthContext & { _shield: { cache: object } } => ({ viewer, isService, _shield: { cache: {} } });
const viewer = (role: Viewer["role"], id = randomUUID()): Viewer => ({ id, role, tokenId: randomUUID(), scopes: new Set() });

async function verdict(rule: unknown, ctx: AuthContext, parent: unknown = {}) {
  const result = await (rule as ShieldRule).resolve(parent, {}, ctx, info, options);
  return result === true ? "allow" : ((result as { extensions?: { code?: string } }).extensions?.code ?? "deny");
}

describe("authorization rules", () => {
  it("isAuthenticated: any viewer; anonymous → UNAUTHENTICATED", async () => {
    expect(await verdict(isAuthenticated, ctxOf(viewer("CUSTOMER")))).toBe("allow");
    expect(await verdict(isAuthenticated, ctxOf(null))).toBe("UNAUTHENTICATED");
  });

  it("isAdmin: ADMIN only; customers FORBIDDEN, anonymous UNAUTHENTICATED", async () => {
    expect(await verdict(isAdmin, ctxOf(viewer("ADMIN")))).toBe("allow");
    expect(await verdict(isAdmin, ctxOf(viewer("CUSTOMER")))).toBe("FORBIDDEN");
    expect(await verdict(isAdmin, ctxOf(null))).toBe("UNAUTHENTICATED");
  });

  it("isService: only with a valid service credential, whatever the viewer's role", async () => {
    expect(await verdict(isService, ctxOf(null, true))).toBe("allow");
    expect(await verdict(isService, ctxOf(viewer("ADMIN")))).toBe("FORBIDDEN");
  });

  it("isOwnerOrAdmin / isOwner: the owner (and for the first, an ADMIN); others FORBIDDEN", async () => {
    const owner = viewer("CUSTOMER");
    const parent = { customerId: owner.id };
    const either = isOwnerOrAdmin<typeof parent>("orderOwner", (p) => p.customerId);
    const only = isOwner<typeof parent>("prefsOwner", (p) => p.customerId);
    expect(await verdict(either, ctxOf(owner), parent)).toBe("allow");
    expect(await verdict(either, ctxOf(viewer("ADMIN")), parent)).toBe("allow");
    expect(await verdict(either, ctxOf(viewer("CUSTOMER")), parent)).toBe("FORBIDDEN");
    expect(await verdict(either, ctxOf(null), parent)).toBe("UNAUTHENTICATED");
    expect(await verdict(only, ctxOf(owner), parent)).toBe("allow");
    expect(await verdict(only, ctxOf(viewer("ADMIN")), parent)).toBe("FORBIDDEN");
    // A parent without an owner belongs to nobody.
    expect(await verdict(either, ctxOf(viewer("CUSTOMER")), { customerId: null })).toBe("FORBIDDEN");
  });
});
