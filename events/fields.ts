import { z } from 'zod';
import { ORDER_STATUSES } from '#shared/order-status';

/**
 * Building blocks shared by the event schemas. Objects are not strict on purpose: a consumer must accept
 * fields it does not know yet, so producers can add optional fields without breaking anyone.
 */
export const contractVersion = z.literal(1);

/** An ISO-8601 timestamp with a zone, as every `at`/`placedAt` field carries. */
export const timestamp = z.iso.datetime({ offset: true });

/** A non-empty identifier (order, restaurant, user ids). */
export const id = z.string().min(1).max(128);

/** Integer money in cents (DESIGN §2: money is integer cents). */
export const cents = z.number().int().nonnegative();

/** The order statuses of DESIGN §4, as they travel in events (one list: the status module's). */
export const orderStatusValue = z.enum(ORDER_STATUSES);

/** A priced order line, as in the order shape of DESIGN §2. */
export const pricedLine = z.object({
  menuItemId: id,
  name: z.string(),
  quantity: z.number().int().positive(),
  unitPriceCents: cents,
  lineTotalCents: cents,
});

/** Detail of every event a restaurant sends about an order (DESIGN §3, app contract). */
export const restaurantEventDetail = z.object({
  version: contractVersion,
  orderId: id,
  restaurantId: id,
  staffId: id.optional(),
  reason: z.string().max(500).optional(),
  etaMinutes: z
    .number()
    .int()
    .nonnegative()
    .max(24 * 60)
    .optional(),
});

/** Detail of every event a courier sends about an order. */
export const courierEventDetail = z.object({
  version: contractVersion,
  orderId: id,
  courierId: id,
});

/** Fields every `dishpatch.orders` event carries, so consumers can route without reading the order. */
export const orderEventBase = z.object({
  version: contractVersion,
  orderId: id,
  customerId: id,
  restaurantId: id,
  at: timestamp,
});
