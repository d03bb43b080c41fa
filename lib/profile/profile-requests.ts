import { type JsonSchema, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';
import { ADDRESS_SCHEMA } from '../api/request-schemas';

/**
 * Body of `POST /profile/addresses` and `PUT /profile/addresses/{addressId}`: the saved address, exactly
 * (mirrors `savedAddress` in events/address-fields.ts). The gateway is the only validation before the bus, so
 * unknown fields are refused too: the mapping template copies the validated body into the event as is.
 */
export const ADDRESS_COMMAND_SCHEMA: JsonSchema = { schema: JsonSchemaVersion.DRAFT4, ...ADDRESS_SCHEMA };
