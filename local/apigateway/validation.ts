/**
 * Request validators: required request parameters and JSON-schema (draft 4) models for bodies, with the
 * 400 answers and `$context.error.validationErrorString` texts API Gateway gives.
 */

import type { ErrorObject, ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { GatewayError, lowerKeys } from './gateway-responses.ts';
import type { MethodDef, RestApiDef } from './model.ts';
import type { GatewayRequest } from './proxy.ts';

/** Compiled models per API, so each schema is compiled once. */
export class Validators {
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv = new AjvDraft04({ allErrors: true, strict: false, validateSchema: false });
  private readonly registered = new Set<string>();

  /** Throw the 400 AWS gives when `req` fails the method's validator; do nothing without one. */
  validate(api: RestApiDef, method: MethodDef, req: GatewayRequest): void {
    const validator = method.requestValidatorId ? api.validators.get(method.requestValidatorId) : undefined;
    if (!validator) return;
    if (validator.params) {
      const missing = missingParameters(method, req);
      if (missing.length > 0)
        throw new GatewayError(
          'BAD_REQUEST_PARAMETERS',
          `Missing required request parameters: [${missing.join(', ')}]`,
        );
    }
    if (validator.body) this.validateBody(api, method, req);
  }

  private validateBody(api: RestApiDef, method: MethodDef, req: GatewayRequest): void {
    const contentType = (lowerKeys(req.headers)['content-type'] ?? 'application/json').split(';')[0]!.trim();
    const modelName = method.requestModels[contentType] ?? method.requestModels.$default;
    if (!modelName) return;
    const validateFn = this.compile(api, modelName);
    if (!validateFn) return;
    let body: unknown;
    try {
      body = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      throw new GatewayError(
        'BAD_REQUEST_BODY',
        'Invalid request body',
        jsonSafe(`[Invalid JSON: ${(e as Error).message}]`),
      );
    }
    if (!validateFn(body))
      throw new GatewayError(
        'BAD_REQUEST_BODY',
        'Invalid request body',
        jsonSafe(`[${(validateFn.errors ?? []).map(describe).join(', ')}]`),
      );
  }

  private compile(api: RestApiDef, modelName: string): ValidateFunction | undefined {
    const key = `${api.id}/${modelName}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    this.register(api);
    const schema = api.models.get(modelName);
    if (!schema) return undefined;
    const fn = this.ajv.compile(stripSchemaId(schema));
    this.compiled.set(key, fn);
    return fn;
  }

  /** Models may `$ref` each other by their API Gateway URL; register every model of the API under it. */
  private register(api: RestApiDef): void {
    if (this.registered.has(api.id)) return;
    this.registered.add(api.id);
    for (const [name, schema] of api.models)
      this.ajv.addSchema(stripSchemaId(schema), `https://apigateway.amazonaws.com/restapis/${api.id}/models/${name}`);
  }
}

/** `$schema` names draft 4, which the draft-04 Ajv already speaks; an `id` would clash across models. */
const stripSchemaId = (schema: Record<string, unknown>): Record<string, unknown> => {
  const { $schema: _s, id: _id, ...rest } = schema;
  return rest;
};

const missingParameters = (method: MethodDef, req: GatewayRequest): string[] => {
  const headers = lowerKeys(req.headers);
  const missing: string[] = [];
  for (const [key, required] of Object.entries(method.requestParameters)) {
    if (!required) continue;
    const [, kind, name] = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(key) ?? [];
    if (!kind || !name) continue;
    const present =
      kind === 'header'
        ? headers[name.toLowerCase()] !== undefined
        : kind === 'querystring'
          ? req.query[name] !== undefined
          : req.pathParameters[name] !== undefined;
    if (!present) missing.push(name);
  }
  return missing;
};

/**
 * API Gateway hands `validationErrorString` on with its quotes escaped, so templates can put it inside a JSON
 * string (`"details":"$context.error.validationErrorString"`).
 */
const jsonSafe = (text: string): string => JSON.stringify(text).slice(1, -1);

/** Phrase an Ajv error the way API Gateway's Java validator does for the common cases. */
const describe = (error: ErrorObject): string => {
  const at = error.instancePath ? ` at ${error.instancePath}` : '';
  switch (error.keyword) {
    case 'required':
      return `object has missing required properties (["${(error.params as { missingProperty: string }).missingProperty}"])`;
    case 'type':
      return `instance type does not match any allowed primitive type (allowed: ["${(error.params as { type: string }).type}"])${at}`;
    case 'additionalProperties':
      return `object instance has properties which are not allowed by the schema: ["${(error.params as { additionalProperty: string }).additionalProperty}"]`;
    case 'enum':
      return `instance value not found in enum${at}`;
    default:
      return `${error.message ?? error.keyword}${at}`;
  }
};
