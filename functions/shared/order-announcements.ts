import { OrderCancelled } from '#events/order-cancelled';
import { OrderDelivered } from '#events/order-delivered';
import { OrderPlaced } from '#events/order-placed';
import { OrderStatusChanged } from '#events/order-status-changed';
import { PaymentDeclined } from '#events/payment-declined';
import { type OutgoingEvent, outgoing } from './event-publisher';
import type { OrderRecord } from './order';
import type { OrderStatus } from './order-status';

function base(order: OrderRecord) {
  return {
    version: 1 as const,
    orderId: order.orderId,
    customerId: order.customerId,
    restaurantId: order.restaurantId,
    at: order.updatedAt,
  };
}

/** `OrderPlaced` for an order (published when the lifecycle starts waiting for the restaurant). */
export function orderPlacedEvent(order: OrderRecord): OutgoingEvent {
  return outgoing(OrderPlaced, {
    ...base(order),
    at: order.placedAt,
    items: order.items,
    totalCents: order.totalCents,
    currency: order.currency,
  });
}

/**
 * What the bus hears about a status the order now has: always `OrderStatusChanged`, plus the outcome
 * event of a terminal status (DESIGN §3). `previousStatus` is what the order had before; `reasonOverride`
 * replaces the reason of the last history entry (an escalation announces a reason it does not store).
 */
export function statusEvents(
  order: OrderRecord,
  previousStatus: OrderStatus | undefined,
  reasonOverride?: string,
): OutgoingEvent[] {
  const reason = reasonOverride ?? order.history?.at(-1)?.reason;
  const events: OutgoingEvent[] = [
    outgoing(OrderStatusChanged, {
      ...base(order),
      status: order.status,
      ...(previousStatus ? { previousStatus } : {}),
      ...(reason ? { reason } : {}),
      orderVersion: order.version,
    }),
  ];
  switch (order.status) {
    case 'CANCELLED':
      events.push(outgoing(OrderCancelled, { ...base(order), ...(reason ? { reason } : {}) }));
      break;
    case 'DELIVERED':
      events.push(
        outgoing(OrderDelivered, {
          ...base(order),
          totalCents: order.totalCents,
          ...(order.courierId ? { courierId: order.courierId } : {}),
        }),
      );
      break;
    case 'PAYMENT_FAILED':
      events.push(
        outgoing(PaymentDeclined, { ...base(order), totalCents: order.totalCents, ...(reason ? { reason } : {}) }),
      );
      break;
    default:
      break;
  }
  return events;
}
