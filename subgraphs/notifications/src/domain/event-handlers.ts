import {
  EventType,
  LoginLockedV1,
  LowStockV1,
  OrderEventV1,
  PermanentEventError,
  UserRegisteredV1,
  type EventEnvelope,
  type EventHandler,
  type HandlerContext,
} from "@shopgraph/events";
import type { Db } from "../db/client.ts";
import {
  commitEventEffects,
  isEventProcessed,
  type CommittedEffects,
  type CreatedNotification,
  type NewDelivery,
  type NewNotification,
} from "../db/event-effects.ts";
import { findEventRecipients } from "../db/event-recipients.ts";
import { withDefaults } from "./preferences.ts";
import {
  ORDER_KINDS,
  renderAccountLocked,
  renderLowStock,
  renderOrder,
  renderWelcome,
  type Rendered,
  type TemplateOptions,
} from "./templates.ts";
import { currentTraceparent } from "@shopgraph/telemetry";

/** What one event asks for: who gets which texts, plus a contact to record (user.registered). */
interface Plan {
  rendered: Rendered;
  orderId: string | null;
  /** Explicit recipients, or every ADMIN contact. */
  recipients: string[] | "admins";
  contact?: { userId: string; email: string; name: string; role: string };
  /** Security notices are e-mailed whatever the email preference says (the owner must learn of them). */
  alwaysEmail?: boolean;
}

/** Validates a payload against its catalog schema; a mismatch is retried like any failure, then dead-lettered. */
function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } },
  event: EventEnvelope,
): T {
  const result = schema.safeParse(event.payload);
  if (!result.success) throw new Error(`invalid ${event.type} v${event.version} payload: ${result.error.message}`);
  return result.data;
}

/** Turns an event into a plan; null for event types notifications does not consume. */
export function planFor(event: EventEnvelope, templates: TemplateOptions): Plan | null {
  const own: string[] = [EventType.USER_REGISTERED, EventType.USER_LOGIN_LOCKED, EventType.INVENTORY_LOW_STOCK];
  const known = own.includes(event.type) || event.type in ORDER_KINDS;
  if (!known) return null;
  if (event.version !== 1) throw new PermanentEventError(`unsupported ${event.type} version ${event.version}`);
  if (event.type === EventType.USER_REGISTERED) {
    const user = parse(UserRegisteredV1, event);
    return { rendered: renderWelcome(user.name, templates), orderId: null, recipients: [user.userId], contact: user };
  }
  if (event.type === EventType.USER_LOGIN_LOCKED) {
    const lock = parse(LoginLockedV1, event);
    const contact = { userId: lock.userId, email: lock.email, name: lock.name, role: lock.role };
    return {
      rendered: renderAccountLocked(lock, templates),
      orderId: null,
      recipients: [lock.userId],
      contact,
      alwaysEmail: true,
    };
  }
  if (event.type === EventType.INVENTORY_LOW_STOCK) {
    return { rendered: renderLowStock(parse(LowStockV1, event), templates), orderId: null, recipients: "admins" };
  }
  const order = parse(OrderEventV1, event);
  return {
    rendered: renderOrder(ORDER_KINDS[event.type]!, order, templates),
    orderId: order.orderId,
    recipients: [order.customerId],
  };
}

/**
 * The order the consumer keeps when it handles events side by side: one order's events
 * (confirmed → shipped → delivered) one after another, so its notifications and emails follow the
 * order's life; likewise one user's account events. Other events (low stock) have no constraint.
 * A user.registered and that user's first order event may still race: the handler retries the
 * order event until the contact exists (see apply).
 */
export function eventOrderingKey(event: EventEnvelope): string | null {
  const payload = event.payload;
  if (typeof payload.orderId === "string") return `order:${payload.orderId}`;
  if (typeof payload.userId === "string") return `user:${payload.userId}`;
  return null;
}

/**
 * Who gets what for a plan: the in-app notifications and the deliveries (email, SMS, one push per
 * device) its recipients' preferences ask for. Reads recipients in one statement; writes nothing.
 */
async function effectsOf(
  db: Db,
  event: EventEnvelope,
  plan: Plan,
  context: HandlerContext,
): Promise<{ notifications: NewNotification[]; deliveries: NewDelivery[] }> {
  const recipients = await findEventRecipients(db, plan.recipients);
  const { rendered } = plan;
  const notifications: NewNotification[] = [];
  const deliveries: NewDelivery[] = [];
  // Handlers run inside the event's `process` span: its context lets the later send join the trace.
  const base = { eventId: event.id, kind: rendered.kind, traceparent: currentTraceparent() };
  for (const recipient of recipients) {
    const { userId } = recipient;
    const prefs = withDefaults(userId, recipient.preference);
    if (prefs.inApp)
      notifications.push({
        eventId: event.id,
        kind: rendered.kind,
        userId,
        title: rendered.title,
        body: rendered.body,
        orderId: plan.orderId,
      });
    // The event's own contact is what this event writes: it wins over the row read before the write.
    const address = plan.contact?.userId === userId ? plan.contact.email : recipient.email;
    const email = prefs.email || plan.alwaysEmail === true;
    if (email && address !== null) {
      deliveries.push({
        ...base,
        userId,
        channel: "EMAIL",
        recipient: address,
        subject: rendered.title,
        body: rendered.email,
      });
    } else if (email && !context.isLastAttempt && !(await isEventProcessed(db, event.id))) {
      // Events of different producers race: an order event can overtake its user.registered.
      // Retrying gives the contact time to arrive; the last try sends what it can. (A redelivery
      // of an event already processed is not retried: its write will change nothing anyway.)
      throw new Error(`no contact for user ${userId} yet`);
    } else if (email) {
      context.logger.warn({ userId }, "no contact known for the recipient: email skipped");
    }
    if (prefs.sms && prefs.phoneNumber) {
      deliveries.push({
        ...base,
        userId,
        channel: "SMS",
        recipient: prefs.phoneNumber,
        subject: null,
        body: rendered.sms,
      });
    }
    // One delivery per device: each has its own retries, dead letter and token removal.
    for (const token of prefs.push ? recipient.pushTokens : []) {
      deliveries.push({
        ...base,
        userId,
        channel: "PUSH",
        recipient: token,
        subject: rendered.title,
        body: rendered.body,
      });
    }
  }
  return { notifications, deliveries };
}

/** Dependencies of {@link createNotificationsEventHandler}. */
export interface EventHandlerDeps {
  db: Db;
  /** Where the texts link to (config STOREFRONT_URL). */
  templates: TemplateOptions;
  /** Called after deliveries were committed, so the sender picks them up without waiting for its poll. */
  onDeliveriesQueued?: () => void;
  /**
   * Called after new in-app notifications were committed (never for a redelivered event), inside
   * the event's span: the live-updates announcement. A failure here is logged, never retried.
   */
  onNotificationsCreated?: (created: readonly CreatedNotification[]) => Promise<void>;
}

/**
 * The notifications consumer: each event's recipients are read in one statement, and its effects
 * (contact, notifications, queued deliveries) commit in ONE statement with its ProcessedEvent row,
 * so a redelivered event (at-least-once) finds the row and changes nothing.
 */
export function createNotificationsEventHandler(deps: EventHandlerDeps): EventHandler {
  return async (event, context) => {
    const plan = planFor(event, deps.templates);
    if (!plan) return;
    const { notifications, deliveries } = await effectsOf(deps.db, event, plan, context);
    const committed: CommittedEffects = await commitEventEffects(deps.db, {
      event,
      contact: plan.contact,
      notifications,
      deliveries,
    });
    if (committed.isDuplicate) {
      context.logger.debug("event already processed: duplicate ignored");
      return;
    }
    context.logger.info(
      { notifications: committed.created.length, deliveries: committed.queued },
      "event turned into notifications",
    );
    if (committed.queued > 0) deps.onDeliveriesQueued?.();
    // Retrying the event would find it processed; a lost announcement only costs the live push.
    const { created } = committed;
    if (created.length > 0 && deps.onNotificationsCreated) {
      await deps
        .onNotificationsCreated(created)
        .catch((error: unknown) => context.logger.warn({ err: error }, "notification.created not published"));
    }
  };
}
