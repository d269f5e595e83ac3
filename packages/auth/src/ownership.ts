import { forbidden, unauthenticated } from "@shopgraph/errors";
import type { Viewer } from "./viewer.ts";

// Data rules (whose record it is) are checked in the subgraphs' resolvers and domain code with
// these; who may call at all (signed in, scopes, role) is declared in the SDL with directives.

/** The record's owner or an ADMIN; throws UNAUTHENTICATED for anonymous callers, FORBIDDEN for anyone else. */
export function requireOwnerOrAdmin(viewer: Viewer | null, ownerId: string | null | undefined): Viewer {
  if (!viewer) throw unauthenticated();
  if (viewer.role === "ADMIN" || (ownerId != null && ownerId === viewer.id)) return viewer;
  throw forbidden();
}

/** The record's owner and nobody else, not even an ADMIN (private data such as notifications). */
export function requireOwner(viewer: Viewer | null, ownerId: string | null | undefined): Viewer {
  if (!viewer) throw unauthenticated();
  if (ownerId != null && ownerId === viewer.id) return viewer;
  throw forbidden();
}
