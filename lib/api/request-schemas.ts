import { type JsonSchema, JsonSchemaType, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';
import { COURIER_EVENT_TYPES, RESTAURANT_EVENT_TYPES } from '../event-names';

/**
 * JSON schemas (draft 4, what API Gateway validates) of every write route's body. They reject malformed
 * requests at the gateway with 400 `VALIDATION_FAILED`; the handlers validate again with their zod schemas
 * (functions/shared/schemas.ts and the handler files), which these mirror and which give per-field details.
 */
const str = (maxLength: number, minLength = 1): JsonSchema => ({ type: JsonSchemaType.STRING, minLength, maxLength });
const id = str(128);
const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  schema: JsonSchemaVersion.DRAFT4,
  type: JsonSchemaType.OBJECT,
  additionalProperties: false,
  properties,
  required,
});

/**
 * An address as the API takes it (a delivery address, or a saved address of the profile). Mirrors
 * `deliveryAddressSchema` in functions/shared/schemas.ts and `savedAddress` in events/address-fields.ts.
 */
export const ADDRESS_SCHEMA: JsonSchema = {
  type: JsonSchemaType.OBJECT,
  additionalProperties: false,
  properties: {
    line1: str(200),
    line2: str(200, 0),
    city: str(100),
    postalCode: str(20),
    country: { type: JsonSchemaType.STRING, pattern: '^[A-Z]{2}$' },
    instructions: str(500, 0),
  },
  required: ['line1', 'city', 'postalCode'],
};

const orderItems: JsonSchema = {
  type: JsonSchemaType.ARRAY,
  minItems: 1,
  maxItems: 50,
  items: {
    type: JsonSchemaType.OBJECT,
    additionalProperties: false,
    properties: { menuItemId: id, quantity: { type: JsonSchemaType.INTEGER, minimum: 1, maximum: 50 } },
    required: ['menuItemId', 'quantity'],
  },
};

/** Every body model, keyed by the API Gateway model name. */
export const REQUEST_SCHEMAS = {
  PlaceOrderRequest: {
    ...object(
      {
        restaurantId: id,
        items: orderItems,
        deliveryAddress: ADDRESS_SCHEMA,
        addressId: id,
        paymentToken: str(256),
        notes: str(500, 0),
      },
      ['restaurantId', 'items', 'paymentToken'],
    ),
    // One of the two ways to say where the order goes.
    oneOf: [{ required: ['deliveryAddress'] }, { required: ['addressId'] }],
  },
  EditOrderRequest: {
    ...object({ items: orderItems, deliveryAddress: ADDRESS_SCHEMA, addressId: id, notes: str(500, 0) }),
    minProperties: 1,
    not: { required: ['deliveryAddress', 'addressId'] },
  },
  PutMenuRequest: object(
    {
      items: {
        type: JsonSchemaType.ARRAY,
        maxItems: 200,
        items: {
          type: JsonSchemaType.OBJECT,
          additionalProperties: false,
          properties: {
            // Absent: the handler assigns a new id.
            menuItemId: { ...id, pattern: '^[A-Za-z0-9_-]+$' },
            name: str(120),
            priceCents: { type: JsonSchemaType.INTEGER, minimum: 0, maximum: 1_000_000 },
            available: { type: JsonSchemaType.BOOLEAN },
            stock: { type: JsonSchemaType.INTEGER, minimum: 0, maximum: 100_000 },
          },
          required: ['name', 'priceCents'],
        },
      },
    },
    ['items'],
  ),
  SetRestaurantOpenRequest: object({ open: { type: JsonSchemaType.BOOLEAN } }, ['open']),
  RestaurantEventRequest: object(
    {
      type: { type: JsonSchemaType.STRING, enum: [...RESTAURANT_EVENT_TYPES] },
      reason: str(500),
      etaMinutes: { type: JsonSchemaType.INTEGER, minimum: 0, maximum: 24 * 60 },
    },
    ['type'],
  ),
  CourierEventRequest: object({ type: { type: JsonSchemaType.STRING, enum: [...COURIER_EVENT_TYPES] } }, ['type']),
} satisfies Record<string, JsonSchema>;

/** Name of a body model. */
export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
