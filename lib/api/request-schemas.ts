import { type JsonSchema, JsonSchemaType, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';
import { COURIER_EVENT_TYPES, RESTAURANT_EVENT_TYPES } from '../event-names';

/**
 * JSON schemas (draft 4, what API Gateway validates) of every write route's body. They reject malformed
 * requests at the gateway with 400 `VALIDATION_FAILED`; the handlers validate again with zod for the details.
 */
const str = (maxLength: number, minLength = 1): JsonSchema => ({ type: JsonSchemaType.STRING, minLength, maxLength });
const id = str(64);
const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  schema: JsonSchemaVersion.DRAFT4,
  type: JsonSchemaType.OBJECT,
  additionalProperties: false,
  properties,
  required,
});
const nonNegativeInteger: JsonSchema = { type: JsonSchemaType.INTEGER, minimum: 0 };

const address: JsonSchema = {
  type: JsonSchemaType.OBJECT,
  properties: {
    line1: str(200),
    line2: str(200, 0),
    city: str(100),
    postcode: str(20),
    country: str(2, 2),
  },
  required: ['line1', 'city', 'postcode'],
};

const orderItems: JsonSchema = {
  type: JsonSchemaType.ARRAY,
  minItems: 1,
  maxItems: 50,
  items: {
    type: JsonSchemaType.OBJECT,
    additionalProperties: false,
    properties: { menuItemId: id, quantity: { type: JsonSchemaType.INTEGER, minimum: 1, maximum: 99 } },
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
        deliveryAddress: address,
        addressId: id,
        paymentToken: str(128),
        notes: str(500, 0),
      },
      ['restaurantId', 'items', 'paymentToken'],
    ),
    // One of the two ways to say where the order goes.
    oneOf: [{ required: ['deliveryAddress'] }, { required: ['addressId'] }],
  },
  EditOrderRequest: {
    ...object({ items: orderItems, deliveryAddress: address, notes: str(500, 0) }),
    minProperties: 1,
  },
  PutMenuRequest: object(
    {
      items: {
        type: JsonSchemaType.ARRAY,
        maxItems: 500,
        items: {
          type: JsonSchemaType.OBJECT,
          additionalProperties: false,
          properties: {
            menuItemId: id,
            name: str(200),
            priceCents: nonNegativeInteger,
            available: { type: JsonSchemaType.BOOLEAN },
            stock: nonNegativeInteger,
          },
          required: ['menuItemId', 'name', 'priceCents', 'available'],
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
      etaMinutes: { type: JsonSchemaType.INTEGER, minimum: 0, maximum: 600 },
    },
    ['type'],
  ),
  CourierEventRequest: object({ type: { type: JsonSchemaType.STRING, enum: [...COURIER_EVENT_TYPES] } }, ['type']),
} satisfies Record<string, JsonSchema>;

/** Name of a body model. */
export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
