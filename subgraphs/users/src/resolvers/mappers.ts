// What each GraphQL object type's resolvers receive as their parent. schema/codegen.ts maps the
// type X to `XMapper` here (`pnpm codegen`); types not listed are plain data of their GraphQL shape.
import type { Connection } from "@shopgraph/subgraph-kit";
import type { PublicUser } from "../db/user-repository.ts";

/** A user row without its password hash. */
export type UserMapper = PublicUser;
/** Connections count lazily (`totalCount` runs only when selected). */
export type UserConnectionMapper = Connection<PublicUser>;
