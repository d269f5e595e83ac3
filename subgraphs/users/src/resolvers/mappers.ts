// What each GraphQL object type's resolvers receive as their parent. schema/codegen.ts maps the
// type X to `XMapper` here (`pnpm codegen`); types not listed are plain data of their GraphQL shape.
import type { Connection } from "@shopgraph/subgraph-kit";
import type { StoredApp } from "../db/app-repository.ts";
import type { PublicUser } from "../db/user-repository.ts";
import type { AppAuthorization } from "../domain/apps.ts";

/** A user row without its password hash. */
export type UserMapper = PublicUser;
/** Connections count lazily (`totalCount` runs only when selected). */
export type UserConnectionMapper = Connection<PublicUser>;
/** A registered app row (its secret hash is not in the GraphQL type). */
export type AppMapper = StoredApp;
export type AppConnectionMapper = Connection<StoredApp>;
export type AppAuthorizationMapper = AppAuthorization;
