// What each GraphQL object type's resolvers receive as their parent. schema/codegen.ts maps the
// type X to `XMapper` here (`pnpm codegen`); types not listed are plain data of their GraphQL shape.
import type { Connection } from "@shopgraph/subgraph-kit";
import type { Delivery } from "../db/delivery-repository.ts";
import type { Notification } from "../db/notification-repository.ts";
import type { Preferences } from "../domain/preferences.ts";
import type { PushDevice } from "../db/push-device-repository.ts";

/** Users owns the entity: here a user is only its key. */
export type UserMapper = { id: string };
/** A stored notification row. */
export type NotificationMapper = Notification;
/** A stored delivery row (full recipient: Delivery.recipient masks it). */
export type DeliveryMapper = Delivery;
/** Preferences carry the userId the ownership rule checks. */
export type NotificationPreferencesMapper = Preferences;
/** A stored device row: the token stays server-side (no field shows it); userId feeds the owner rule. */
export type PushDeviceMapper = PushDevice;
/** Connections count lazily (`totalCount` runs only when selected). */
export type NotificationConnectionMapper = Connection<Notification>;
/** Connections count lazily (`totalCount` runs only when selected). */
export type DeliveryConnectionMapper = Connection<Delivery>;
