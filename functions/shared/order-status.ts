import { IllegalTransitionError } from './errors';

/**
 * The order status rules of DESIGN §4, in one pure module that every writer uses.
 *
 * ```
 * PLACED ──accept──▶ ACCEPTED ──▶ PREPARING ──▶ READY ──pickup──▶ PICKED_UP ──▶ DELIVERED
 *   │  └─reject / acceptance timeout / customer cancel──▶ REJECTED | CANCELLED
 *   └─payment declined──▶ PAYMENT_FAILED          (restaurant may reject until READY)
 * ```
 * Decisions where the diagram is silent, each covered by the exhaustive test:
 * - "reject until READY" means ACCEPTED and PREPARING may still be rejected; once READY the food exists
 *   and the order goes to a courier, so READY → REJECTED is not allowed.
 * - The kitchen path is strictly ACCEPTED → PREPARING → READY (the lifecycle waits for each in turn); an
 *   `OrderReady` that arrives while ACCEPTED is kept as an early event, not applied.
 */
export const ORDER_STATUSES = [
  'PLACED',
  'ACCEPTED',
  'PREPARING',
  'READY',
  'PICKED_UP',
  'DELIVERED',
  'REJECTED',
  'CANCELLED',
  'PAYMENT_FAILED',
] as const;

/** A status of DESIGN §4. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses no order leaves. */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'DELIVERED',
  'REJECTED',
  'CANCELLED',
  'PAYMENT_FAILED',
]);

const transitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PLACED: ['ACCEPTED', 'REJECTED', 'CANCELLED', 'PAYMENT_FAILED'],
  ACCEPTED: ['PREPARING', 'REJECTED'],
  PREPARING: ['READY', 'REJECTED'],
  READY: ['PICKED_UP'],
  PICKED_UP: ['DELIVERED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLED: [],
  PAYMENT_FAILED: [],
};

/** Whether a value is one of the statuses. */
export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

/** Whether no transition leaves this status. */
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Whether DESIGN §4 allows moving an order directly from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return transitions[from].includes(to);
}

/** Throws {@link IllegalTransitionError} unless `from → to` is allowed. */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/**
 * Whether `to` can still be reached from `from` through one or more allowed transitions. The order-event
 * handler uses it to keep an early event (e.g. `OrderReady` while the order is still PLACED) for later
 * instead of dropping it.
 */
export function isReachableLater(from: OrderStatus, to: OrderStatus): boolean {
  const seen = new Set<OrderStatus>();
  const queue: OrderStatus[] = [...transitions[from]];
  while (queue.length > 0) {
    const next = queue.shift() as OrderStatus;
    if (next === to) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...transitions[next]);
  }
  return false;
}

/** Who may send an order event. */
export type EventActor = 'restaurant' | 'courier';

/** The restaurant and courier events that move an order, with the status each one leads to. */
export const ORDER_EVENT_RULES = {
  OrderAccepted: { actor: 'restaurant', to: 'ACCEPTED' },
  OrderRejected: { actor: 'restaurant', to: 'REJECTED' },
  OrderPreparing: { actor: 'restaurant', to: 'PREPARING' },
  OrderReady: { actor: 'restaurant', to: 'READY' },
  OrderPickedUp: { actor: 'courier', to: 'PICKED_UP' },
  OrderDelivered: { actor: 'courier', to: 'DELIVERED' },
} as const satisfies Record<string, { actor: EventActor; to: OrderStatus }>;

/** The type of an event that moves an order. */
export type OrderEventType = keyof typeof ORDER_EVENT_RULES;

/** The status an order event leads to. */
export function statusForEvent(type: OrderEventType): OrderStatus {
  return ORDER_EVENT_RULES[type].to;
}

/** Whether a string names an order event. */
export function isOrderEventType(value: string): value is OrderEventType {
  return Object.hasOwn(ORDER_EVENT_RULES, value);
}
