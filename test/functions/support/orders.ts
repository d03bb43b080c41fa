import type { OrderRecord } from '#shared/order';

/** A stored order as the PlaceOrder workflow writes it, with overrides. */
export function storedOrder(overrides: Partial<OrderRecord> = {}): OrderRecord {
  return {
    orderId: 'o1',
    customerId: 'user-alice',
    restaurantId: 'r1',
    items: [{ menuItemId: 'm1', name: 'Margherita', quantity: 2, unitPriceCents: 950, lineTotalCents: 1900 }],
    totalCents: 1900,
    currency: 'USD',
    status: 'PLACED',
    deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345' },
    placedAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    version: 1,
    history: [{ status: 'PLACED', at: '2026-11-22T10:00:00.000Z' }],
    restaurantStatus: 'r1#PLACED',
    paymentToken: 'tok_visa',
    stockReserved: {},
    ...overrides,
  };
}

/** The stored restaurant item of `RestaurantsTable`. */
export function restaurantItem(overrides: Record<string, unknown> = {}) {
  return {
    pk: 'r1',
    sk: 'RESTAURANT',
    entityType: 'RESTAURANT',
    name: 'Bella Napoli',
    cuisine: 'pizza',
    open: true,
    ...overrides,
  };
}

/** A stored menu item. */
export function menuItem(id: string, overrides: Record<string, unknown> = {}) {
  return { pk: 'r1', sk: `ITEM#${id}`, name: `Item ${id}`, priceCents: 1000, available: true, ...overrides };
}
