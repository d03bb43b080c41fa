/**
 * Typed errors of the domain. Each class sets an explicit `name`: minification would otherwise rename
 * the class, and both the HTTP mapping and the state machines' `ErrorEquals` route on that name.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
  /** Per-field or per-item details, returned in `error.details`. */
  readonly details: unknown[];

  constructor(message: string, details: unknown[] = []) {
    super(message);
    this.details = details;
  }
}

/** One field that failed validation. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** The request is malformed (400 VALIDATION_FAILED). */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  constructor(message: string, details: FieldIssue[] = []) {
    super(message, details);
  }
}

/** No or unusable caller identity (401). */
export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
}

/** The caller's role may not do this at all (403); object-level denials are {@link NotFoundError}s. */
export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
}

/** Generic 404 for an object the caller may not see or that does not exist. */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
}

/** The order does not exist or the caller may not see it. */
export class OrderNotFoundError extends DomainError {
  override readonly name = 'OrderNotFoundError';
  constructor(orderId: string) {
    super(`Order ${orderId} not found`);
  }
}

/** The restaurant does not exist (or the caller does not manage it, for staff routes). */
export class RestaurantNotFoundError extends DomainError {
  override readonly name = 'RestaurantNotFoundError';
  constructor(restaurantId: string) {
    super(`Restaurant ${restaurantId} not found`);
  }
}

/** The restaurant does not take orders now. */
export class RestaurantClosedError extends DomainError {
  override readonly name = 'RestaurantClosedError';
  constructor(restaurantId: string) {
    super(`Restaurant ${restaurantId} is closed`);
  }
}

/** Edits are allowed only while the order is PLACED. */
export class OrderNotEditableError extends DomainError {
  override readonly name = 'OrderNotEditableError';
}

/** Cancels are allowed only while the order is PLACED. */
export class OrderNotCancellableError extends DomainError {
  override readonly name = 'OrderNotCancellableError';
}

/** Some ordered items are unknown or unavailable. */
export class MenuItemUnavailableError extends DomainError {
  override readonly name = 'MenuItemUnavailableError';
}

/** Limited stock does not cover the order. */
export class OutOfStockError extends DomainError {
  override readonly name = 'OutOfStockError';
}

/** The same Idempotency-Key was used with another body (422). */
export class IdempotencyKeyReusedError extends DomainError {
  override readonly name = 'IdempotencyKeyReusedError';
}

/** A request with the same Idempotency-Key is still running (409). */
export class RequestInProgressError extends DomainError {
  override readonly name = 'RequestInProgressError';
}

/** The fake payment provider declined the payment (a business outcome, not retried). */
export class PaymentDeclinedError extends DomainError {
  override readonly name = 'PaymentDeclinedError';
}

/** The payment provider is unavailable for now; the state machine retries with backoff. */
export class PaymentProviderUnavailableError extends DomainError {
  override readonly name = 'PaymentProviderUnavailableError';
}

/** Capture was asked for a payment that is not authorized (a technical failure of the saga). */
export class PaymentNotCapturableError extends DomainError {
  override readonly name = 'PaymentNotCapturableError';
}

/** A status write that DESIGN §4 does not allow. */
export class IllegalTransitionError extends DomainError {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`Order cannot move from ${from} to ${to}`);
  }
}

/** The order changed under us too many times in a row (optimistic lock); retryable. */
export class ConcurrentModificationError extends DomainError {
  override readonly name = 'ConcurrentModificationError';
}

/** EventBridge refused some entries of a `PutEvents`; retryable. */
export class EventPublishError extends DomainError {
  override readonly name = 'EventPublishError';
}
