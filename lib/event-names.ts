import { courierEvents, EventSource, restaurantEvents } from '../events/index';

/**
 * The event names the infrastructure routes on (DESIGN §3), taken from the contracts in `events/` so the rules,
 * the `/events` integrations and the producers can never disagree.
 */
export const EVENT_SOURCES = EventSource;

/** Detail-types restaurant staff (or restaurant systems) publish about an order. */
export const RESTAURANT_EVENT_TYPES = restaurantEvents.map((contract) => contract.detailType);

/** Detail-types couriers publish about a delivery. */
export const COURIER_EVENT_TYPES = courierEvents.map((contract) => contract.detailType);

/** Every event type the order lifecycle can wait for. */
export type AwaitedEventType =
  | (typeof restaurantEvents)[number]['detailType']
  | (typeof courierEvents)[number]['detailType'];
