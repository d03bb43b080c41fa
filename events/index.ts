import { AddressAdded } from './address-added';
import { AddressRemoved } from './address-removed';
import { AddressUpdated } from './address-updated';
import { CourierOrderDelivered } from './courier-order-delivered';
import { OrderAccepted } from './order-accepted';
import { OrderCancelled } from './order-cancelled';
import { OrderDelivered } from './order-delivered';
import { OrderPickedUp } from './order-picked-up';
import { OrderPlaced } from './order-placed';
import { OrderPreparing } from './order-preparing';
import { OrderReady } from './order-ready';
import { OrderRejected } from './order-rejected';
import { OrderStatusChanged } from './order-status-changed';
import { PaymentDeclined } from './payment-declined';

export type { EventContract, EventSourceName } from './contract';
export { EventSource } from './contract';
export {
  AddressAdded,
  AddressRemoved,
  AddressUpdated,
  CourierOrderDelivered,
  OrderAccepted,
  OrderCancelled,
  OrderDelivered,
  OrderPickedUp,
  OrderPlaced,
  OrderPreparing,
  OrderReady,
  OrderRejected,
  OrderStatusChanged,
  PaymentDeclined,
};

/** Events the workflows publish on `dishpatch.orders`. */
export const orderEvents = [OrderPlaced, OrderStatusChanged, OrderCancelled, OrderDelivered, PaymentDeclined] as const;

/** Events restaurants publish; the order lifecycle consumes them. */
export const restaurantEvents = [OrderAccepted, OrderRejected, OrderPreparing, OrderReady] as const;

/** Events couriers publish; the order lifecycle consumes them. */
export const courierEvents = [OrderPickedUp, CourierOrderDelivered] as const;

/** The detail types the order-event handler accepts, per source (what the lifecycle rule matches). */
export const lifecycleInputDetailTypes = {
  restaurant: restaurantEvents.map((c) => c.detailType),
  courier: courierEvents.map((c) => c.detailType),
} as const;

/** Address commands API Gateway puts on `dishpatch.profile`; the profile's address writer consumes them. */
export const profileEvents = [AddressAdded, AddressUpdated, AddressRemoved] as const;

/** Every contract on the bus, for rules, docs and the compatibility test. */
export const eventCatalog = [...orderEvents, ...restaurantEvents, ...courierEvents, ...profileEvents] as const;
