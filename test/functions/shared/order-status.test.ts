import {
  assertTransition,
  canTransition,
  isOrderStatus,
  isReachableLater,
  isTerminal,
  ORDER_EVENT_RULES,
  ORDER_STATUSES,
  type OrderStatus,
  statusForEvent,
} from '#shared/order-status';

/**
 * The expected table, written out by hand from DESIGN §4 (rows: from, columns: to). `1` = allowed.
 * Columns: PLACED ACCEPTED PREPARING READY PICKED_UP DELIVERED REJECTED CANCELLED PAYMENT_FAILED
 */
const EXPECTED: Record<OrderStatus, string> = {
  PLACED: '0 1 0 0 0 0 1 1 1',
  ACCEPTED: '0 0 1 0 0 0 1 0 0',
  PREPARING: '0 0 0 1 0 0 1 0 0',
  READY: '0 0 0 0 1 0 0 0 0',
  PICKED_UP: '0 0 0 0 0 1 0 0 0',
  DELIVERED: '0 0 0 0 0 0 0 0 0',
  REJECTED: '0 0 0 0 0 0 0 0 0',
  CANCELLED: '0 0 0 0 0 0 0 0 0',
  PAYMENT_FAILED: '0 0 0 0 0 0 0 0 0',
};
const COLUMNS: OrderStatus[] = [
  'PLACED',
  'ACCEPTED',
  'PREPARING',
  'READY',
  'PICKED_UP',
  'DELIVERED',
  'REJECTED',
  'CANCELLED',
  'PAYMENT_FAILED',
];

const pairs = COLUMNS.flatMap((from) =>
  COLUMNS.map((to, column) => ({ from, to, allowed: EXPECTED[from].split(' ')[column] === '1' })),
);

describe('order status transitions', () => {
  it('covers exactly the statuses of DESIGN §4', () => {
    expect([...ORDER_STATUSES].sort()).toEqual([...COLUMNS].sort());
    expect(pairs).toHaveLength(81);
  });

  it.each(pairs)('$from → $to allowed: $allowed', ({ from, to, allowed }) => {
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to)).toThrow(expect.objectContaining({ name: 'IllegalTransitionError' }));
    }
  });

  it('treats exactly DELIVERED, REJECTED, CANCELLED and PAYMENT_FAILED as terminal, with no way out', () => {
    const terminal = COLUMNS.filter(isTerminal);
    expect(terminal).toEqual(['DELIVERED', 'REJECTED', 'CANCELLED', 'PAYMENT_FAILED']);
    for (const from of terminal) expect(COLUMNS.filter((to) => canTransition(from, to))).toEqual([]);
  });

  it('never allows an order to stay in place or move backwards along the happy path', () => {
    const happy: OrderStatus[] = ['PLACED', 'ACCEPTED', 'PREPARING', 'READY', 'PICKED_UP', 'DELIVERED'];
    happy.forEach((from, i) => {
      for (const to of happy.slice(0, i + 1)) expect(canTransition(from, to)).toBe(false);
    });
  });

  it('lets the restaurant reject until the order is READY, not after', () => {
    const rejectable = COLUMNS.filter((from) => canTransition(from, 'REJECTED'));
    expect(rejectable).toEqual(['PLACED', 'ACCEPTED', 'PREPARING']);
  });

  it('knows which statuses are still reachable later (for early events)', () => {
    expect(isReachableLater('PLACED', 'READY')).toBe(true);
    expect(isReachableLater('ACCEPTED', 'DELIVERED')).toBe(true);
    expect(isReachableLater('READY', 'PREPARING')).toBe(false);
    expect(isReachableLater('DELIVERED', 'DELIVERED')).toBe(false);
    expect(isReachableLater('PICKED_UP', 'REJECTED')).toBe(false);
  });

  it('maps each restaurant and courier event to the status it leads to', () => {
    expect(
      Object.fromEntries(Object.keys(ORDER_EVENT_RULES).map((type) => [type, statusForEvent(type as never)])),
    ).toEqual({
      OrderAccepted: 'ACCEPTED',
      OrderRejected: 'REJECTED',
      OrderPreparing: 'PREPARING',
      OrderReady: 'READY',
      OrderPickedUp: 'PICKED_UP',
      OrderDelivered: 'DELIVERED',
    });
  });

  it('recognises statuses', () => {
    expect(isOrderStatus('READY')).toBe(true);
    expect(isOrderStatus('ready')).toBe(false);
    expect(isOrderStatus(3)).toBe(false);
  });
});
