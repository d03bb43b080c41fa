import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError } from './errors';
import { logger } from './powertools';

/** What an error becomes on the wire. */
export interface HttpErrorMapping {
  statusCode: number;
  code: string;
}

/**
 * The one error → HTTP table (app contract). Keyed by error `name`, because a failed `PlaceOrder`
 * execution reports only the name of the error its step threw.
 */
const errorTable: Readonly<Record<string, HttpErrorMapping>> = {
  ValidationError: { statusCode: 400, code: 'VALIDATION_FAILED' },
  UnauthorizedError: { statusCode: 401, code: 'UNAUTHORIZED' },
  ForbiddenError: { statusCode: 403, code: 'FORBIDDEN' },
  NotFoundError: { statusCode: 404, code: 'NOT_FOUND' },
  OrderNotFoundError: { statusCode: 404, code: 'ORDER_NOT_FOUND' },
  RestaurantNotFoundError: { statusCode: 404, code: 'RESTAURANT_NOT_FOUND' },
  RestaurantClosedError: { statusCode: 409, code: 'RESTAURANT_CLOSED' },
  OrderNotEditableError: { statusCode: 409, code: 'ORDER_NOT_EDITABLE' },
  OrderNotCancellableError: { statusCode: 409, code: 'ORDER_NOT_CANCELLABLE' },
  RequestInProgressError: { statusCode: 409, code: 'REQUEST_IN_PROGRESS' },
  MenuItemUnavailableError: { statusCode: 422, code: 'MENU_ITEM_UNAVAILABLE' },
  OutOfStockError: { statusCode: 422, code: 'OUT_OF_STOCK' },
  IdempotencyKeyReusedError: { statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' },
};

const internalError: HttpErrorMapping = { statusCode: 500, code: 'INTERNAL_ERROR' };

/** The mapping of a client-facing error name, or `undefined` when the name is not a client error. */
export function mappingForErrorName(name: string): HttpErrorMapping | undefined {
  return Object.hasOwn(errorTable, name) ? errorTable[name] : undefined;
}

/** The body of every error answer: `{"error": {"code", "message", "details", "requestId"}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details: unknown[]; requestId: string };
}

/** Builds an error body. */
export function errorBody(code: string, message: string, details: unknown[], requestId: string): ErrorBody {
  return { error: { code, message, details, requestId } };
}

/** Headers every API answer carries: the request id, and CORS for browser clients. */
function baseHeaders(requestId: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-request-id': requestId,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'ETag, x-request-id, Idempotent-Replayed, Location',
  };
}

/** A JSON answer with the request id header. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...baseHeaders(requestId), ...headers }, body: JSON.stringify(body) };
}

/** An answer without a body (304). */
export function emptyResponse(
  statusCode: number,
  requestId: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  const { 'content-type': _contentType, ...rest } = baseHeaders(requestId);
  return { statusCode, headers: { ...rest, ...headers }, body: '' };
}

/**
 * Maps any thrown value to an answer. Domain errors keep their message and details; anything else is an
 * opaque 500 whose cause is logged with the request id (the logger carries it as correlation id).
 */
export function errorResponse(error: unknown, requestId: string): APIGatewayProxyResult {
  const mapping = error instanceof Error ? mappingForErrorName(error.name) : undefined;
  if (error instanceof DomainError && mapping) {
    return jsonResponse(
      mapping.statusCode,
      errorBody(mapping.code, error.message, error.details, requestId),
      requestId,
    );
  }
  logger.error('Unhandled error', { error: error as Error, requestId });
  return jsonResponse(
    internalError.statusCode,
    errorBody(internalError.code, 'Internal error', [], requestId),
    requestId,
  );
}
