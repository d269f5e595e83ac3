import type { AccessSubject } from "./policies.ts";
import { POLICIES } from "./policies.ts";
import type { AccessRequirement } from "./requirements.ts";

/** Why a field is refused: no viewer where one is needed, or a viewer without the scope/policy. */
export type Denial = { code: "UNAUTHENTICATED" | "FORBIDDEN"; message: string };

const anyGroup = (groups: readonly (readonly string[])[], holds: (name: string) => boolean) =>
  groups.some((group) => group.every(holds));

/** Checks one requirement for a subject; null when allowed. `what` names the field for the message. */
export function checkRequirement(req: AccessRequirement, subject: AccessSubject, what: string): Denial | null {
  const { viewer } = subject;
  if (req.authenticated && !viewer) return { code: "UNAUTHENTICATED", message: `Authentication required for ${what}` };
  if (req.scopes && !anyGroup(req.scopes, (s) => viewer?.scopes.has(s) === true)) {
    if (!viewer) return { code: "UNAUTHENTICATED", message: `Authentication required for ${what}` };
    return {
      code: "FORBIDDEN",
      message: `${what} requires scope ${req.scopes.map((g) => g.join(" + ")).join(" or ")}`,
    };
  }
  if (req.policies && !anyGroup(req.policies, (p) => POLICIES[p]?.(subject) === true)) {
    const serviceOnly = req.policies.every((g) => g.includes("service"));
    if (!viewer && !serviceOnly) return { code: "UNAUTHENTICATED", message: `Authentication required for ${what}` };
    return {
      code: "FORBIDDEN",
      message: serviceOnly ? "Service credential required" : `${what} is not allowed for this caller`,
    };
  }
  return null;
}
