import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { type SFNClient, StartSyncExecutionCommand, type StartSyncExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { Caller } from '#shared/auth';
import { documentClient, dynamoDbClient, sfnClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import {
  DomainError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  RequestInProgressError,
  ValidationError,
} from '#shared/errors';
import { errorBody, jsonResponse, mappingForErrorName } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { type DeliveryAddress, type OrderRecord, toOrderView } from '#shared/order';
import { countMetric, logger, recordOrderValue } from '#shared/powertools';
import { deliveryAddressSchema, idSchema, notesSchema, requestedLinesSchema } from '#shared/schemas';
import { fromStepMessage, type StepFailure } from '#shared/step-errors';
import { header, jsonBody, parseInput } from '#shared/validation';
import { type AddressView, ProfileRepository } from '../profile/profile-repository';

/** `Idempotency-Key`: 1–128 of `[A-Za-z0-9_-]` (DESIGN §2). */
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, '1-128 characters of A-Z a-z 0-9 _ -');

/** Body of POST /orders. Prices are never read from it. */
export const placeOrderBody = z
  .object({
    restaurantId: idSchema,
    items: requestedLinesSchema,
    deliveryAddress: deliveryAddressSchema.optional(),
    addressId: idSchema.optional(),
    paymentToken: z.string().min(1).max(256),
    notes: notesSchema.optional(),
  })
  .refine((body) => (body.deliveryAddress === undefined) !== (body.addressId === undefined), {
    message: 'Give exactly one of deliveryAddress or addressId',
    path: ['deliveryAddress'],
  });

/** A validated placement request: what the idempotency key and the payload check are computed over. */
export interface PlaceOrderRequest {
  customerId: string;
  idempotencyKey: string;
  body: z.infer<typeof placeOrderBody>;
  requestId: string;
  /**
   * The caller's saved address named by `body.addressId`, resolved before placing. Outside `body` on purpose:
   * the idempotency payload check covers the request as sent, not the address as it is stored now.
   */
  savedAddress?: AddressView;
}

/** The first answer to a key, as the idempotency table stores it and replays it. */
export interface StoredResponse {
  statusCode: number;
  body: unknown;
  replayed?: boolean;
}

/** Dependencies of {@link placeOrder}. */
export interface PlaceOrderDeps {
  startPlaceOrder: (orderId: string, input: Record<string, unknown>) => Promise<StartSyncExecutionCommandOutput>;
  newOrderId: () => string;
}

/** The workflow failed for a technical reason: thrown, so the idempotency record is deleted (not cached). */
export class PlaceOrderWorkflowError extends DomainError {
  override readonly name = 'PlaceOrderWorkflowError';
}

/** A step's error, from the `cause` Step Functions reports (a Lambda error as JSON): message and details. */
function causeOf(cause: string | undefined, fallback: string): StepFailure {
  if (!cause) return { message: fallback, details: [] };
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string'
      ? fromStepMessage(parsed.errorMessage)
      : { message: fallback, details: [] };
  } catch {
    return { message: cause.length <= 300 ? cause : fallback, details: [] };
  }
}

/**
 * Places an order through the synchronous PlaceOrder workflow. Business outcomes (201, and the client
 * errors the workflow reports by error name) are returned, so idempotency stores and replays them as the
 * first answer; technical failures throw, so a retry with the same key runs again.
 */
export async function placeOrder(request: PlaceOrderRequest, deps: PlaceOrderDeps): Promise<StoredResponse> {
  const orderId = deps.newOrderId();
  const { body } = request;
  const result = await deps.startPlaceOrder(orderId, {
    orderId,
    customerId: request.customerId,
    restaurantId: body.restaurantId,
    items: body.items,
    deliveryAddress: deliveryAddressOf(request),
    paymentToken: body.paymentToken,
    ...(body.notes !== undefined ? { notes: body.notes } : {}),
  });
  if (result.status === 'SUCCEEDED') {
    const output = JSON.parse(result.output ?? '{}') as OrderRecord | { order: OrderRecord };
    const order = 'order' in output ? output.order : output;
    countMetric('OrdersPlaced');
    recordOrderValue(order.totalCents);
    return { statusCode: 201, body: toOrderView(order) };
  }
  const mapping = result.status === 'FAILED' ? mappingForErrorName(result.error ?? '') : undefined;
  if (mapping && mapping.statusCode < 500) {
    const { message, details } = causeOf(result.cause, `Order not placed: ${result.error}`);
    return { statusCode: mapping.statusCode, body: errorBody(mapping.code, message, details, request.requestId) };
  }
  logger.error('PlaceOrder workflow failed', {
    orderId,
    status: result.status,
    error: result.error,
    cause: result.cause,
  });
  throw new PlaceOrderWorkflowError(`PlaceOrder ended ${result.status} (${result.error ?? 'no error'})`);
}

/** Where the order goes: the inline address, or the saved one (kept with its id) the handler resolved. */
function deliveryAddressOf(request: PlaceOrderRequest): DeliveryAddress {
  const address = request.body.deliveryAddress ?? request.savedAddress;
  if (address === undefined)
    throw new ValidationError('No delivery address', [{ field: 'body.addressId', message: 'Unresolved' }]);
  return address;
}

/**
 * Resolves `addressId` among the caller's own saved addresses (the key is the caller's partition, so another
 * user's address id is simply not found: 404, never a hint that it exists).
 */
export async function withSavedAddress(
  request: PlaceOrderRequest,
  findAddress: (userId: string, addressId: string) => Promise<AddressView | undefined>,
): Promise<PlaceOrderRequest> {
  const { addressId } = request.body;
  if (addressId === undefined) return request;
  const savedAddress = await findAddress(request.customerId, addressId);
  if (savedAddress === undefined) throw new NotFoundError(`Address ${addressId} not found`);
  return { ...request, savedAddress };
}

/** Starts the EXPRESS PlaceOrder state machine synchronously, named after the order. */
export function startSyncPlaceOrder(client: SFNClient, stateMachineArn: string): PlaceOrderDeps['startPlaceOrder'] {
  return (orderId, input) =>
    client.send(new StartSyncExecutionCommand({ stateMachineArn, name: orderId, input: JSON.stringify(input) }));
}

/**
 * Idempotency (DESIGN §2): key = customer id + `Idempotency-Key` header (keys are scoped per customer),
 * payload check over the body (same key, other body → 422). A fixed key prefix keeps records valid across
 * deployments (the default prefix is the function name, which CloudFormation generates).
 */
export function idempotentPlaceOrder(
  deps: PlaceOrderDeps,
  tableName: string,
  config: { expiresAfterSeconds?: number } = {},
): { place: (request: PlaceOrderRequest) => Promise<StoredResponse>; config: IdempotencyConfig } {
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: '[customerId, idempotencyKey]',
    payloadValidationJmesPath: 'body',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: config.expiresAfterSeconds ?? 24 * 60 * 60,
    responseHook: (response) => ({ ...(response as Record<string, unknown>), replayed: true }),
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoDbClient() });
  const place = makeIdempotent((request: PlaceOrderRequest) => placeOrder(request, deps), {
    persistenceStore,
    config: idempotencyConfig,
    keyPrefix: 'dishpatch.place-order',
  });
  return { place, config: idempotencyConfig };
}

/** Translates the idempotency library's outcomes into the API's errors. */
function idempotencyError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'IdempotencyValidationError') {
    return new IdempotencyKeyReusedError('This Idempotency-Key was already used with a different request body');
  }
  if (error.name === 'IdempotencyAlreadyInProgressError') {
    return new RequestInProgressError('A request with this Idempotency-Key is still in progress');
  }
  return error;
}

/** Turns a stored answer into the HTTP answer, marking replays. */
export function toHttp(stored: StoredResponse, requestId: string): APIGatewayProxyResult {
  const headers: Record<string, string> = {};
  if (stored.replayed) headers['Idempotent-Replayed'] = 'true';
  const body = stored.body as { orderId?: string };
  if (stored.statusCode === 201 && body.orderId) headers.Location = `/orders/${body.orderId}`;
  return jsonResponse(stored.statusCode, stored.body, requestId, headers);
}

/** Validates the request and the caller: customers place orders (staff and couriers do not). */
export function placementRequest(
  caller: Caller,
  headers: { idempotencyKey: string | undefined; body: unknown },
  requestId: string,
): PlaceOrderRequest {
  if (caller.role !== 'customer' && caller.role !== 'admin') throw new ForbiddenError('Only customers place orders');
  if (headers.idempotencyKey === undefined) {
    throw new ValidationError('Missing Idempotency-Key header', [
      { field: 'header.Idempotency-Key', message: 'Required' },
    ]);
  }
  const idempotencyKey = parseInput(idempotencyKeySchema, headers.idempotencyKey, 'header.Idempotency-Key');
  const body = parseInput(placeOrderBody, headers.body, 'body');
  return { customerId: caller.userId, idempotencyKey, body, requestId };
}

const { place, config } = idempotentPlaceOrder(
  {
    startPlaceOrder: startSyncPlaceOrder(sfnClient(), requiredEnv('PLACE_ORDER_STATE_MACHINE_ARN')),
    newOrderId: () => ulid(),
  },
  requiredEnv('IDEMPOTENCY_TABLE_NAME'),
);
const profiles = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));

/** POST /orders: 201 with the order, or the mapped business error; replays carry `Idempotent-Replayed`. */
export const handler = apiRoute(async ({ event, caller, requestId, context }) => {
  const request = await withSavedAddress(
    placementRequest(caller, { idempotencyKey: header(event, 'Idempotency-Key'), body: jsonBody(event) }, requestId),
    (userId, addressId) => profiles.getAddress(userId, addressId),
  );
  config.registerLambdaContext(context);
  try {
    return toHttp(await place(request), requestId);
  } catch (error) {
    throw idempotencyError(error);
  }
});
