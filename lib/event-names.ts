/**
 * Event sources and detail-types the infrastructure routes on (DESIGN §3).
 *
 * The contracts themselves (zod schemas, samples) live in `events/`; this module exists because the rules and
 * the API's `/events` integrations need the names at synth time, and it is checked against `events/` by
 * `test/lib/event-names.test.ts` once those contracts export them.
 */
export const EVENT_SOURCES = {
  orders: 'dishpatch.orders',
  restaurant: 'dishpatch.restaurant',
  courier: 'dishpatch.courier',
} as const;

/** Events restaurant staff (or restaurant systems) publish about an order. */
export const RESTAURANT_EVENT_TYPES = ['OrderAccepted', 'OrderRejected', 'OrderPreparing', 'OrderReady'] as const;

/** Events couriers publish about a delivery. */
export const COURIER_EVENT_TYPES = ['OrderPickedUp', 'OrderDelivered'] as const;

/** Every event type the order lifecycle can wait for. */
export type AwaitedEventType = (typeof RESTAURANT_EVENT_TYPES)[number] | (typeof COURIER_EVENT_TYPES)[number];
