import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkRequirement,
  requireOwner,
  requireOwnerOrAdmin,
  scopesForRole,
  type AccessRequirement,
  type Viewer,
} from "../src/index.ts";

// The rules graphql-shield used to apply, now declared in the SDL (directives, checked by
// checkRequirement) or checked by resolvers (ownership): the same verdicts as before.
const viewer = (role: Viewer["role"], id = randomUUID()): Viewer => ({
  id,
  role,
  tokenId: randomUUID(),
  scopes: scopesForRole(role),
});
const req = (r: Partial<AccessRequirement>): AccessRequirement => ({
  authenticated: false,
  scopes: undefined,
  policies: undefined,
  ...r,
});
const verdict = (r: AccessRequirement, who: Viewer | null, isService = false) =>
  checkRequirement(r, { viewer: who, isService }, "T.f")?.code ?? "allow";
const owned = (check: () => unknown) => {
  try {
    check();
    return "allow";
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? "deny";
  }
};

describe("authorization rules", () => {
  it("@authenticated: any viewer; anonymous → UNAUTHENTICATED", () => {
    expect(verdict(req({ authenticated: true }), viewer("CUSTOMER"))).toBe("allow");
    expect(verdict(req({ authenticated: true }), null)).toBe("UNAUTHENTICATED");
  });

  it("@policy(admin): ADMIN only; customers FORBIDDEN, anonymous UNAUTHENTICATED", () => {
    const admin = req({ policies: [["admin"]] });
    expect(verdict(admin, viewer("ADMIN"))).toBe("allow");
    expect(verdict(admin, viewer("CUSTOMER"))).toBe("FORBIDDEN");
    expect(verdict(admin, null)).toBe("UNAUTHENTICATED");
  });

  it("@policy(service): only with a valid service credential, whatever the viewer's role", () => {
    const service = req({ policies: [["service"]] });
    expect(verdict(service, null, true)).toBe("allow");
    expect(verdict(service, viewer("ADMIN"))).toBe("FORBIDDEN");
    expect(verdict(service, null)).toBe("FORBIDDEN");
  });

  it("@requiresScopes: the scope (any of the groups); anonymous UNAUTHENTICATED", () => {
    const orders = req({ scopes: [["read_orders"]] });
    expect(verdict(orders, viewer("CUSTOMER"))).toBe("allow");
    expect(verdict(orders, { ...viewer("CUSTOMER"), scopes: new Set(["read_products"]) })).toBe("FORBIDDEN");
    expect(verdict(orders, null)).toBe("UNAUTHENTICATED");
  });

  it("requireOwnerOrAdmin / requireOwner: the owner (and for the first, an ADMIN); others FORBIDDEN", () => {
    const owner = viewer("CUSTOMER");
    expect(owned(() => requireOwnerOrAdmin(owner, owner.id))).toBe("allow");
    expect(owned(() => requireOwnerOrAdmin(viewer("ADMIN"), owner.id))).toBe("allow");
    expect(owned(() => requireOwnerOrAdmin(viewer("CUSTOMER"), owner.id))).toBe("FORBIDDEN");
    expect(owned(() => requireOwnerOrAdmin(null, owner.id))).toBe("UNAUTHENTICATED");
    expect(owned(() => requireOwner(owner, owner.id))).toBe("allow");
    expect(owned(() => requireOwner(viewer("ADMIN"), owner.id))).toBe("FORBIDDEN");
    expect(owned(() => requireOwner(null, owner.id))).toBe("UNAUTHENTICATED");
    // A record without an owner belongs to nobody.
    expect(owned(() => requireOwnerOrAdmin(viewer("CUSTOMER"), null))).toBe("FORBIDDEN");
  });
});
