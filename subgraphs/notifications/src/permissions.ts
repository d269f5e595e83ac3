import { allow } from "graphql-shield";
import { isAdmin, isAuthenticated, isOwner } from "@shopgraph/auth";

/** The user themself only, not even an ADMIN: notifications are private (contract). */
const isSelf = isOwner("notificationsSelf", (user: { id: string }) => user.id);
const ownsNotification = isOwner("notificationOwner", (n: { userId: string }) => n.userId);
const ownsPreferences = isOwner("preferencesOwner", (p: { userId: string }) => p.userId);
const ownsPushDevice = isOwner("pushDeviceOwner", (d: { userId: string }) => d.userId);

/**
 * Field-level authorization; anything not listed is denied. The rules sit on the entity types'
 * fields (User, Notification) because gateway entity fetches (`_entities`) bypass Query rules.
 */
export const permissions = {
  Query: { deliveries: isAdmin },
  Mutation: {
    markNotificationRead: isAuthenticated,
    markAllNotificationsRead: isAuthenticated,
    updateNotificationPreferences: isAuthenticated,
    registerPushDevice: isAuthenticated,
    unregisterPushDevice: isAuthenticated,
  },
  User: {
    id: allow,
    notifications: isSelf,
    unreadNotificationCount: isSelf,
    notificationPreferences: isSelf,
    pushDevices: isSelf,
  },
  Notification: ownsNotification,
  NotificationConnection: allow,
  NotificationEdge: allow,
  NotificationPreferences: ownsPreferences,
  PushDevice: ownsPushDevice,
  // Reachable only through the ADMIN-only Query.deliveries; checked again per field for depth.
  Delivery: isAdmin,
  DeliveryConnection: isAdmin,
  DeliveryEdge: isAdmin,
  Order: { id: allow },
  NotificationPayload: allow,
  MarkAllNotificationsReadPayload: allow,
  NotificationPreferencesPayload: allow,
  PushDevicePayload: allow,
  UnregisterPushDevicePayload: allow,
};
