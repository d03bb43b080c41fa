import '../support/env';
import { assertOrderAccess, callerFromEvent, canSeeOrder } from '#shared/auth';
import * as errors from '#shared/errors';
import { errorResponse, mappingForErrorName } from '#shared/http';
import { decodeNextToken, encodeNextToken } from '#shared/pagination';
import { callers } from '../support/api';

describe('the one error → HTTP mapping', () => {
  it.each([
    [new errors.ValidationError('bad', [{ field: 'body.x', message: 'Required' }]), 400, 'VALIDATION_FAILED'],
    [new errors.UnauthorizedError('who'), 401, 'UNAUTHORIZED'],
    [new errors.ForbiddenError('no'), 403, 'FORBIDDEN'],
    [new errors.NotFoundError('none'), 404, 'NOT_FOUND'],
    [new errors.OrderNotFoundError('o1'), 404, 'ORDER_NOT_FOUND'],
    [new errors.RestaurantNotFoundError('r1'), 404, 'RESTAURANT_NOT_FOUND'],
    [new errors.RestaurantClosedError('r1'), 409, 'RESTAURANT_CLOSED'],
    [new errors.OrderNotEditableError('late'), 409, 'ORDER_NOT_EDITABLE'],
    [new errors.OrderNotCancellableError('late'), 409, 'ORDER_NOT_CANCELLABLE'],
    [new errors.RequestInProgressError('wait'), 409, 'REQUEST_IN_PROGRESS'],
    [new errors.MenuItemUnavailableError('gone'), 422, 'MENU_ITEM_UNAVAILABLE'],
    [new errors.OutOfStockError('none left'), 422, 'OUT_OF_STOCK'],
    [new errors.IdempotencyKeyReusedError('other body'), 422, 'IDEMPOTENCY_KEY_REUSED'],
  ])('maps %s to %i %s with the request id', (error, status, code) => {
    const res = errorResponse(error, 'req-9');

    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body)).toEqual({
      error: { code, message: error.message, details: error.details, requestId: 'req-9' },
    });
    expect(res.headers?.['x-request-id']).toBe('req-9');
  });

  it.each([
    ['an unexpected Error', new Error('db password is hunter2')],
    ['a thrown string', 'boom'],
    ['a workflow-only error', new errors.IllegalTransitionError('PLACED', 'DELIVERED')],
  ])('answers an opaque 500 INTERNAL_ERROR for %s', (_label, error) => {
    const res = errorResponse(error, 'req-9');

    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'Internal error', details: [], requestId: 'req-9' },
    });
  });

  it('keeps error names stable under minification (explicit name on every class)', () => {
    for (const [exportName, value] of Object.entries(errors)) {
      if (typeof value !== 'function' || exportName === 'DomainError') continue;
      const Ctor = value as new (...args: string[]) => Error;
      expect(new Ctor('a', 'b').name).toBe(exportName);
    }
  });

  it('does not map names inherited from Object.prototype', () => {
    expect(mappingForErrorName('constructor')).toBeUndefined();
    expect(mappingForErrorName('toString')).toBeUndefined();
  });
});

describe('caller and object-level access', () => {
  const order = { orderId: 'o1', customerId: 'user-alice', restaurantId: 'r1', courierId: 'courier-1' };

  it.each([
    ['owner', callers.alice, true],
    ['another customer', callers.bob, false],
    ["the restaurant's staff", callers.staffR1, true],
    ["another restaurant's staff", callers.staffR2, false],
    ['the courier on it', callers.courierC1, true],
    ['another courier', callers.courierC2, false],
    ['an admin', callers.admin, true],
  ])('%s may see the order: %s', (_who, caller, visible) => {
    expect(canSeeOrder(caller, order)).toBe(visible);
  });

  it('hides an order without a courier from every courier', () => {
    expect(canSeeOrder(callers.courierC1, { ...order, courierId: undefined })).toBe(false);
  });

  it('answers 404 rather than 403 to someone who may not see the order', () => {
    expect(() => assertOrderAccess(callers.bob, order, 'owner')).toThrow(errors.OrderNotFoundError);
  });

  it.each([
    ['no authorizer context', null],
    ['an unknown role', { userId: 'u', role: 'superuser' }],
    ['no user id', { role: 'customer' }],
  ])('answers 401 for %s', (_label, authorizer) => {
    expect(() => callerFromEvent({ requestContext: { authorizer } as never })).toThrow(errors.UnauthorizedError);
  });

  it('ignores a restaurantId claim on a non-staff caller', () => {
    const caller = callerFromEvent({
      requestContext: { authorizer: { userId: 'u', role: 'customer', restaurantId: 'r1' } } as never,
    });
    expect(caller).toEqual({ userId: 'u', role: 'customer' });
  });
});

describe('pagination tokens', () => {
  const key = { orderId: 'o1', customerId: 'user-alice', placedAt: '2026-11-22T10:00:00.000Z' };
  const keys = ['orderId', 'customerId', 'placedAt'];

  it('round-trips a LastEvaluatedKey through an opaque URL-safe token', () => {
    const token = encodeNextToken(key) as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeNextToken(token, keys, { customerId: 'user-alice' })).toEqual(key);
  });

  it('has no token without a next page', () => {
    expect(encodeNextToken(undefined)).toBeUndefined();
    expect(decodeNextToken(undefined, keys)).toBeUndefined();
  });

  it.each([
    ['garbage', 'not a token'],
    ['a JSON array', Buffer.from('[1]').toString('base64url')],
    ['a number value', encodeNextToken({ ...key, placedAt: 5 })],
    ['an extra attribute', encodeNextToken({ ...key, status: 'PLACED' })],
    ['a missing attribute', encodeNextToken({ orderId: 'o1', customerId: 'user-alice' })],
    ['another partition', encodeNextToken({ ...key, customerId: 'user-bob' })],
  ])('rejects %s with a 400 ValidationError', (_label, token) => {
    expect(() => decodeNextToken(token, keys, { customerId: 'user-alice' })).toThrow(errors.ValidationError);
  });
});
