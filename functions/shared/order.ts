import type { OrderEventType, OrderStatus } from './order-status';

/** A priced order line; prices always come from the menu. */
export interface OrderLine {
  menuItemId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

/** One entry of an order's status history. */
export interface HistoryEntry {
  status: OrderStatus;
  at: string;
  reason?: string;
  actor?: string;
}

/** A restaurant/courier event as the workflow receives it (task output), also kept in `pendingEvents`. */
export interface OrderEventRecord {
  type: OrderEventType;
  actorId: string;
  at: string;
  reason?: string;
  etaMinutes?: number;
}

/** Where to deliver: a full address or the id of a saved profile address. */
export type DeliveryAddress =
  | { line1: string; line2?: string; city: string; postalCode: string; country?: string; instructions?: string }
  | { addressId: string };

/** The order as stored in `OrdersTable`: DESIGN §2 shape plus internal attributes (app contract). */
export interface OrderRecord {
  orderId: string;
  customerId: string;
  restaurantId: string;
  items: OrderLine[];
  totalCents: number;
  currency: string;
  status: OrderStatus;
  deliveryAddress: DeliveryAddress;
  notes?: string;
  placedAt: string;
  updatedAt: string;
  version: number;
  history: HistoryEntry[];
  /** Internal optimistic-lock counter, bumped by every write (see `OrdersRepository.update`). */
  revision?: number;
  restaurantStatus?: string;
  taskToken?: string;
  awaiting?: OrderEventType[];
  pendingEvents?: OrderEventRecord[];
  courierId?: string;
  cancelRequested?: boolean;
  /**
   * The event whose wait is being completed: written (on the order's revision) before the task token is used,
   * so an acceptance and a customer cancel racing for a PLACED order cannot both win. Cleared by the next
   * status write or wait.
   */
  completing?: OrderEventType;
  paymentToken?: string;
  stockReserved?: Record<string, number>;
}

/** The order as the API returns it. */
export interface OrderView {
  orderId: string;
  customerId: string;
  restaurantId: string;
  items: OrderLine[];
  totalCents: number;
  currency: string;
  status: OrderStatus;
  deliveryAddress: DeliveryAddress;
  notes?: string;
  courierId?: string;
  placedAt: string;
  updatedAt: string;
  version: number;
  history: Array<Omit<HistoryEntry, 'actor'>>;
}

/**
 * Projects a stored order to its API shape with an allow-list, so a new internal attribute (a task
 * token, a payment token) can never leak by default.
 */
export function toOrderView(order: OrderRecord): OrderView {
  const view: OrderView = {
    orderId: order.orderId,
    customerId: order.customerId,
    restaurantId: order.restaurantId,
    items: order.items,
    totalCents: order.totalCents,
    currency: order.currency,
    status: order.status,
    deliveryAddress: order.deliveryAddress,
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    version: order.version,
    history: (order.history ?? []).map(({ status, at, reason }) => (reason ? { status, at, reason } : { status, at })),
  };
  if (order.notes !== undefined) view.notes = order.notes;
  if (order.courierId !== undefined) view.courierId = order.courierId;
  return view;
}

/** The `restaurantStatus` attribute of the `byRestaurantStatus` index. */
export function restaurantStatusKey(restaurantId: string, status: OrderStatus): string {
  return `${restaurantId}#${status}`;
}
