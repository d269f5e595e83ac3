import {
  EventType,
  NotificationCreatedV1,
  ORDER_EVENT_TYPES,
  OrderEventV1,
  type EventEnvelope,
} from "@shopgraph/events";
import type { Viewer } from "@shopgraph/auth";
import {
  Kind,
  print,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from "graphql";

/** The variable the rewritten query receives the event's entity id in. */
const EVENT_ID_VARIABLE = "liveEventId_";

/**
 * How one Subscription root field is served: which events feed it, which of them concern this
 * subscriber (a cheap pre-filter; the query itself authorizes again), and the public query field
 * that resolves the event with the subscriber's token.
 */
interface LiveFieldSpec {
  eventTypes: readonly string[];
  queryField: string;
  /** The entity id the event is about, when it concerns this viewer and these arguments; else null. */
  match(event: EventEnvelope, viewer: Viewer, args: Record<string, unknown>): string | null;
  /** True when the query field takes the event id as its `id` argument (else it keeps the subscription's arguments). */
  idFromEvent: boolean;
  /** The entity to send once at subscribe time (its current state), or null for none. */
  initial?: (args: Record<string, unknown>) => string | null;
}

const LIVE_FIELDS: Record<string, LiveFieldSpec> = {
  notificationAdded: {
    eventTypes: [EventType.NOTIFICATION_CREATED],
    queryField: "notification",
    idFromEvent: true,
    match(event, viewer) {
      const parsed = NotificationCreatedV1.safeParse(event.payload);
      return parsed.success && parsed.data.userId === viewer.id ? parsed.data.notificationId : null;
    },
  },
  orderUpdated: {
    eventTypes: ORDER_EVENT_TYPES,
    queryField: "order",
    idFromEvent: false,
    // The current state first (PAID, say), so a client never misses the change that happened
    // between reading the order and subscribing; then one result per status change.
    initial: (args) => (typeof args.id === "string" ? args.id : null),
    match(event, viewer, args) {
      const parsed = OrderEventV1.safeParse(event.payload);
      if (!parsed.success || parsed.data.orderId !== args.id) return null;
      return parsed.data.customerId === viewer.id || viewer.role === "ADMIN" ? parsed.data.orderId : null;
    },
  },
};

/** A subscription operation turned into what the gateway runs per event. */
export interface LivePlan {
  /** The root field's name (metrics label: a fixed vocabulary). */
  field: string;
  /** Where the result goes in `data` (the alias, else the field name). */
  responseKey: string;
  eventTypes: readonly string[];
  /** The equivalent public query, printed once. */
  query: string;
  /** Variables for one event: the subscription's own, plus the event's entity id where the query needs it. */
  variablesFor(entityId: string): Record<string, unknown>;
  match(event: EventEnvelope, viewer: Viewer): string | null;
  /** The entity id to resolve once at subscribe time (the current state), or null. */
  initial: string | null;
}

function argumentValues(field: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const arg of field.arguments ?? []) {
    if (arg.value.kind === Kind.VARIABLE) values[arg.name.value] = variables[arg.value.name.value];
    else if (arg.value.kind === Kind.STRING || arg.value.kind === Kind.INT) values[arg.name.value] = arg.value.value;
  }
  return values;
}

/**
 * Plans a validated subscription: the single root field (validation guarantees one) becomes the
 * owning subgraph's query field under the same response key, with the same selection, fragments,
 * directives and variables, so the gateway's query plan resolves the rest of the selection
 * (notifications → orders → products) exactly as for a query. Null for a root field that has no
 * live source.
 */
export function planSubscription(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): LivePlan | null {
  const root = operation.selectionSet.selections[0];
  if (operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD) return null;
  const spec = LIVE_FIELDS[root.name.value];
  if (!spec) return null;
  const idArgument = {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: "id" },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: EVENT_ID_VARIABLE } },
  } as const;
  const field: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: spec.queryField },
    arguments: spec.idFromEvent ? [idArgument] : (root.arguments ?? []),
  };
  const idVariable: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: idArgument.value,
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "ID" } } },
  };
  const query: OperationDefinitionNode = {
    ...operation,
    operation: "query" as OperationDefinitionNode["operation"],
    variableDefinitions: [...(operation.variableDefinitions ?? []), ...(spec.idFromEvent ? [idVariable] : [])],
    selectionSet: { ...operation.selectionSet, selections: [field] },
  };
  // Other operations of the document are dropped (only the chosen one runs); fragments stay.
  const definitions = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const args = argumentValues(root, variables);
  return {
    field: root.name.value,
    responseKey: root.alias?.value ?? root.name.value,
    eventTypes: spec.eventTypes,
    query: print({ kind: Kind.DOCUMENT, definitions: [query, ...definitions] }),
    variablesFor: (entityId) => (spec.idFromEvent ? { ...variables, [EVENT_ID_VARIABLE]: entityId } : variables),
    match: (event, viewer) => spec.match(event, viewer, args),
    initial: spec.initial?.(args) ?? null,
  };
}
