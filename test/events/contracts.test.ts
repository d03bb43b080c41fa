import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { eventCatalog } from '#events/index';

const samplesDir = join(__dirname, '../../events/samples');
const contractId = (c: { source: string; detailType: string }) => `${c.source}/${c.detailType}`;

/**
 * What consumers of version 1 rely on, frozen here: the required detail fields of each contract. A schema
 * may add optional fields; adding a required one (or dropping one consumers read) breaks this test.
 */
const V1_REQUIRED: Record<string, string[]> = {
  'dishpatch.orders/OrderPlaced': [
    'version',
    'orderId',
    'customerId',
    'restaurantId',
    'at',
    'items',
    'totalCents',
    'currency',
  ],
  'dishpatch.orders/OrderStatusChanged': [
    'version',
    'orderId',
    'customerId',
    'restaurantId',
    'at',
    'status',
    'orderVersion',
  ],
  'dishpatch.orders/OrderCancelled': ['version', 'orderId', 'customerId', 'restaurantId', 'at'],
  'dishpatch.orders/OrderDelivered': ['version', 'orderId', 'customerId', 'restaurantId', 'at', 'totalCents'],
  'dishpatch.orders/PaymentDeclined': ['version', 'orderId', 'customerId', 'restaurantId', 'at'],
  'dishpatch.restaurant/OrderAccepted': ['version', 'orderId', 'restaurantId'],
  'dishpatch.restaurant/OrderRejected': ['version', 'orderId', 'restaurantId'],
  'dishpatch.restaurant/OrderPreparing': ['version', 'orderId', 'restaurantId'],
  'dishpatch.restaurant/OrderReady': ['version', 'orderId', 'restaurantId'],
  'dishpatch.courier/OrderPickedUp': ['version', 'orderId', 'courierId'],
  'dishpatch.courier/OrderDelivered': ['version', 'orderId', 'courierId'],
  'dishpatch.profile/AddressAdded': ['version', 'userId', 'addressId', 'commandId', 'requestedAt', 'address'],
  'dishpatch.profile/AddressUpdated': ['version', 'userId', 'addressId', 'commandId', 'requestedAt', 'address'],
  'dishpatch.profile/AddressRemoved': ['version', 'userId', 'addressId', 'commandId', 'requestedAt'],
};

/** Minimal v1 details, as the oldest producers send them; they must parse forever. */
const base = { version: 1, orderId: 'o1', customerId: 'u1', restaurantId: 'r1', at: '2026-01-01T00:00:00Z' };
const addressCommand = { version: 1, userId: 'u1', addressId: 'a1', commandId: 'c1', requestedAt: 1 };
const V1_MINIMAL: Record<string, unknown> = {
  'dishpatch.orders/OrderPlaced': {
    ...base,
    items: [{ menuItemId: 'm1', name: 'M', quantity: 1, unitPriceCents: 100, lineTotalCents: 100 }],
    totalCents: 100,
    currency: 'USD',
  },
  'dishpatch.orders/OrderStatusChanged': { ...base, status: 'ACCEPTED', orderVersion: 2 },
  'dishpatch.orders/OrderCancelled': base,
  'dishpatch.orders/OrderDelivered': { ...base, totalCents: 100 },
  'dishpatch.orders/PaymentDeclined': base,
  'dishpatch.restaurant/OrderAccepted': { version: 1, orderId: 'o1', restaurantId: 'r1' },
  'dishpatch.restaurant/OrderRejected': { version: 1, orderId: 'o1', restaurantId: 'r1' },
  'dishpatch.restaurant/OrderPreparing': { version: 1, orderId: 'o1', restaurantId: 'r1' },
  'dishpatch.restaurant/OrderReady': { version: 1, orderId: 'o1', restaurantId: 'r1' },
  'dishpatch.courier/OrderPickedUp': { version: 1, orderId: 'o1', courierId: 'c1' },
  'dishpatch.courier/OrderDelivered': { version: 1, orderId: 'o1', courierId: 'c1' },
  'dishpatch.profile/AddressAdded': { ...addressCommand, address: { line1: 'l', city: 'c', postalCode: 'p' } },
  'dishpatch.profile/AddressUpdated': { ...addressCommand, address: { line1: 'l', city: 'c', postalCode: 'p' } },
  'dishpatch.profile/AddressRemoved': addressCommand,
};

function requiredKeys(schema: z.ZodType): string[] {
  if (!(schema instanceof z.ZodObject)) throw new Error('Event details must be zod objects');
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key);
}

describe('event contracts', () => {
  it('catalogs every contract of the bus once (DESIGN §3)', () => {
    const ids = eventCatalog.map(contractId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(V1_REQUIRED).sort());
    for (const contract of eventCatalog) expect(contract.version).toBe(1);
  });

  it.each(eventCatalog.map((c) => [contractId(c), c] as const))(
    '%s adds no required field and drops none that v1 consumers read',
    (id, contract) => {
      expect(requiredKeys(contract.schema).sort()).toEqual([...(V1_REQUIRED[id] ?? [])].sort());
    },
  );

  it.each(eventCatalog.map((c) => [contractId(c), c] as const))(
    '%s still accepts a minimal v1 detail',
    (id, contract) => {
      expect(contract.schema.safeParse(V1_MINIMAL[id]).success).toBe(true);
    },
  );

  it.each(eventCatalog.map((c) => [contractId(c), c] as const))(
    '%s tolerates fields it does not know (producers may add optional fields)',
    (id, contract) => {
      const parsed = contract.schema.safeParse({ ...(V1_MINIMAL[id] as object), addedLater: 'x' });
      expect(parsed.success).toBe(true);
    },
  );

  it.each(eventCatalog.map((c) => [contractId(c), c] as const))(
    '%s rejects a detail of another version',
    (id, contract) => {
      expect(contract.schema.safeParse({ ...(V1_MINIMAL[id] as object), version: 2 }).success).toBe(false);
    },
  );

  const sampleFiles = readdirSync(samplesDir).filter((file) => file.endsWith('.json'));

  it('has a sample for every contract', () => {
    const covered = sampleFiles.map((file) => {
      const sample = JSON.parse(readFileSync(join(samplesDir, file), 'utf8'));
      return `${sample.source}/${sample['detail-type']}`;
    });
    expect(covered.sort()).toEqual(eventCatalog.map(contractId).sort());
  });

  it.each(sampleFiles)('sample %s parses with its contract', (file) => {
    const sample = JSON.parse(readFileSync(join(samplesDir, file), 'utf8'));
    const contract = eventCatalog.find((c) => c.source === sample.source && c.detailType === sample['detail-type']);
    expect(contract).toBeDefined();
    const result = contract?.schema.safeParse(sample.detail);
    expect(result?.error).toBeUndefined();
  });
});
