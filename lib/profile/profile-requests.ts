import { type JsonSchema, JsonSchemaType, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';

const str = (maxLength: number, minLength = 1): JsonSchema => ({ type: JsonSchemaType.STRING, minLength, maxLength });

/**
 * Body of `POST /profile/addresses` and `PUT /profile/addresses/{addressId}`: the saved address, exactly
 * (mirrors `savedAddress` in events/address-fields.ts). The gateway is the only validation before the bus, so
 * unknown fields are refused too: the mapping template copies the validated body into the event as is.
 */
export const ADDRESS_COMMAND_SCHEMA: JsonSchema = {
  schema: JsonSchemaVersion.DRAFT4,
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
