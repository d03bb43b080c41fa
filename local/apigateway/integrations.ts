/**
 * Integrations: Lambda proxy, AWS service integrations (EventBridge, SQS, Step Functions, any `service:action`)
 * and Lambda non-proxy with VTL mapping templates, MOCK, and HTTP/HTTP_PROXY.
 */
import JSON5 from 'json5';
import { isAwsError } from '../core/errors.ts';
import type { Cloud } from '../core/types.ts';
import { GatewayError, lowerKeys, mapParameter, type RequestFacts } from './gateway-responses.ts';
import {
  type IntegrationDef,
  type IntegrationResponseDef,
  lambdaArnFromUri,
  type MethodDef,
  withStageVariables,
} from './model.ts';
import { type GatewayRequest, parseProxyAnswer, proxyEvent, type RequestIdentity } from './proxy.ts';
import { renderTemplate, type TemplateInput, type TemplateOverrides } from './vtl.ts';

/** The answer an integration produced, before the gateway adds its own headers. */
export interface IntegrationAnswer {
  readonly status: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
  /** A proxy answer flagged base64: decoded in `body`, re-encoded unless the client accepts binary. */
  readonly isBase64Encoded: boolean;
  /** Time spent in the backend, for `IntegrationLatency`. */
  readonly integrationLatencyMs: number;
}

/** Everything an integration may read about the request. */
export interface IntegrationRequest {
  readonly req: GatewayRequest;
  readonly method: MethodDef;
  readonly identity: RequestIdentity;
  readonly authorizer: Record<string, unknown> | undefined;
  /** The `$context` object templates see; `requestOverride`/`responseOverride` live in it. */
  readonly context: Record<string, unknown> & TemplateOverrides;
}

/** A backend's raw answer, before integration response mapping. */
interface BackendAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** For Lambda non-proxy errors: the `errorMessage` matched by selection patterns. */
  errorMessage?: string;
}

/** Service names in integration URIs → names local services may be registered under. */
const SERVICE_ALIASES: Record<string, readonly string[]> = {
  states: ['states', 'stepfunctions'],
  events: ['events', 'eventbridge'],
  monitoring: ['monitoring', 'cloudwatch'],
  'cognito-idp': ['cognito-idp', 'cognito'],
};

/** Runs integrations for one gateway. */
export class Integrations {
  private readonly serviceNames = new Map<string, string | undefined>();

  constructor(private readonly cloud: Cloud) {}

  /** Run the method's integration and answer what the client should get (status, headers, body). */
  async run(request: IntegrationRequest): Promise<IntegrationAnswer> {
    const { integration } = request.method;
    const started = Date.now();
    const answer = await withTimeout(this.dispatch(request, integration), integration.timeoutMs);
    return { ...answer, integrationLatencyMs: Date.now() - started };
  }

  private async dispatch(
    request: IntegrationRequest,
    integration: IntegrationDef,
  ): Promise<Omit<IntegrationAnswer, 'integrationLatencyMs'>> {
    if (integration.type === 'AWS_PROXY') return this.lambdaProxy(request, integration);
    if (integration.type === 'HTTP_PROXY') return this.httpProxy(request, integration);
    return this.mapped(request, integration);
  }

  private async lambdaProxy(request: IntegrationRequest, integration: IntegrationDef) {
    const functionArn = lambdaArnFromUri(withStageVariables(integration.uri, request.req.stageVariables));
    if (!functionArn) throw new GatewayError('API_CONFIGURATION_ERROR');
    const event = proxyEvent(request.req, request.identity, request.authorizer);
    const result = await this.cloud.call<{ FunctionError?: string; Payload?: string }>('lambda', 'Invoke', {
      FunctionName: functionArn,
      InvocationType: 'RequestResponse',
      Payload: JSON.stringify(event),
    });
    // A function error or a malformed answer is a 502 with the generic message, as AWS gives.
    if (result.FunctionError)
      throw new GatewayError('API_CONFIGURATION_ERROR', 'Internal server error', undefined, 502);
    return parseProxyAnswer(result.Payload ?? '');
  }

  private async httpProxy(request: IntegrationRequest, integration: IntegrationDef) {
    const { req } = request;
    const url = new URL(substitutePath(withStageVariables(integration.uri, req.stageVariables), req.pathParameters));
    for (const [k, v] of Object.entries(req.query)) url.searchParams.set(k, v);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.Host;
    const response = await fetch(url, {
      method: integration.httpMethod && integration.httpMethod !== 'ANY' ? integration.httpMethod : req.httpMethod,
      headers,
      body: ['GET', 'HEAD'].includes(req.httpMethod) ? undefined : new Uint8Array(req.body),
    });
    const responseHeaders: Record<string, string[]> = {};
    response.headers.forEach((value, key) => {
      if (!['content-length', 'transfer-encoding', 'connection'].includes(key)) responseHeaders[key] = [value];
    });
    return {
      status: response.status,
      headers: responseHeaders,
      body: Buffer.from(await response.arrayBuffer()),
      isBase64Encoded: false,
    };
  }

  /** Non-proxy integrations: request template → backend → integration response selection → response template. */
  private async mapped(request: IntegrationRequest, integration: IntegrationDef) {
    const { req, context } = request;
    const input: TemplateInput = {
      // CONVERT_TO_TEXT hands a binary payload to the template as base64, as AWS does.
      body: req.body.toString(req.binaryBody && integration.contentHandling === 'CONVERT_TO_TEXT' ? 'base64' : 'utf8'),
      params: { path: req.pathParameters, querystring: req.query, header: req.headers },
    };
    const facts: RequestFacts = { headers: req.headers, query: req.query, pathParameters: req.pathParameters };
    const rendered = renderRequest(integration, input, context, req);
    const integrationHeaders: Record<string, string> = {};
    for (const [key, expression] of Object.entries(integration.requestParameters)) {
      const name = /^integration\.request\.header\.(.+)$/.exec(key)?.[1];
      const value = name ? mapParameter(expression, facts, req.stageVariables) : undefined;
      if (name && value !== undefined) integrationHeaders[name.toLowerCase()] = value;
    }
    for (const [name, value] of Object.entries(context.requestOverride.header))
      integrationHeaders[name.toLowerCase()] = String(value);

    const backend = await this.backend(integration, rendered, integrationHeaders, req);
    const selected = selectResponse(integration.responses, backend);
    if (!selected) throw new GatewayError('API_CONFIGURATION_ERROR');
    return mapResponse(selected, backend, context, req, facts);
  }

  private async backend(
    integration: IntegrationDef,
    body: string,
    headers: Record<string, string>,
    req: GatewayRequest,
  ): Promise<BackendAnswer> {
    if (integration.type === 'MOCK') {
      let status = 200;
      try {
        // CDK's preflight template is `{ statusCode: 200 }`, not strict JSON: read it as API Gateway does, leniently.
        status = Number((JSON5.parse(body || '{}') as { statusCode?: unknown }).statusCode ?? 200);
      } catch {
        // A MOCK template that is not JSON answers 200, as AWS does when it cannot read statusCode.
      }
      return { status, headers: {}, body: '' };
    }
    if (integration.type === 'HTTP') {
      const response = await fetch(
        substitutePath(withStageVariables(integration.uri, req.stageVariables), req.pathParameters),
        {
          method: integration.httpMethod ?? req.httpMethod,
          headers,
          body: ['GET', 'HEAD'].includes(integration.httpMethod ?? req.httpMethod) ? undefined : body,
        },
      );
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        responseHeaders[k] = v;
      });
      return { status: response.status, headers: responseHeaders, body: await response.text() };
    }
    const uri = withStageVariables(integration.uri, req.stageVariables);
    const functionArn = lambdaArnFromUri(uri);
    if (functionArn) return this.lambdaNonProxy(functionArn, body);
    return this.awsService(uri, body, headers);
  }

  private async lambdaNonProxy(functionArn: string, body: string): Promise<BackendAnswer> {
    const result = await this.cloud.call<{ FunctionError?: string; Payload?: string }>('lambda', 'Invoke', {
      FunctionName: functionArn,
      InvocationType: 'RequestResponse',
      Payload: body === '' ? '{}' : body,
    });
    const payload = result.Payload ?? '';
    if (!result.FunctionError) return { status: 200, headers: {}, body: payload };
    let errorMessage = '';
    try {
      errorMessage = String((JSON.parse(payload) as { errorMessage?: unknown }).errorMessage ?? '');
    } catch {
      errorMessage = payload;
    }
    return { status: 200, headers: {}, body: payload, errorMessage };
  }

  /** `arn:aws:apigateway:<region>:<service>:action/<Op>` or `:<service>:path/<...>` → one service operation. */
  private async awsService(uri: string, body: string, headers: Record<string, string>): Promise<BackendAnswer> {
    const match = /^arn:aws:apigateway:[^:]*:(?:[^.:]+\.)?([^:]+):(action|path)\/(.*)$/.exec(uri);
    if (!match) throw new GatewayError('API_CONFIGURATION_ERROR');
    const [, uriService, kind, rest] = match as unknown as [string, string, string, string];
    const form = (headers['content-type'] ?? '').includes('x-www-form-urlencoded') || /^Action=/.test(body);
    const formInput = form ? parseQueryForm(body) : undefined;
    const target = headers['x-amz-target']?.split('.').pop();
    const [actionPart, actionQuery] = rest.split('?') as [string, string | undefined];
    const operation =
      kind === 'action'
        ? actionPart
        : ((formInput?.Action as string | undefined) ?? target ?? actionPart.split('/').pop()!);
    let input: Record<string, unknown>;
    if (formInput) {
      const { Action: _a, Version: _v, ...params } = formInput;
      input = params;
    } else {
      try {
        input = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        return awsErrorAnswer(400, 'SerializationException', 'The request body is not valid JSON');
      }
    }
    if (actionQuery) Object.assign(input, parseQueryForm(actionQuery));
    const service = this.localService(uriService);
    if (!service) return awsErrorAnswer(500, 'InternalFailure', `service ${uriService} is not served locally`);
    if (uriService === 'sqs' && kind === 'path' && input.QueueUrl === undefined)
      input.QueueUrl = await this.queueUrl(actionPart);
    const requestId = crypto.randomUUID();
    try {
      const output = await this.cloud.call(service, operation, input, 'apigateway');
      const result = form
        ? { [`${operation}Response`]: { [`${operation}Result`]: output, ResponseMetadata: { RequestId: requestId } } }
        : output;
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
        body: JSON.stringify(result, wireDates),
      };
    } catch (e) {
      if (isAwsError(e)) return awsErrorAnswer(e.status, e.code, e.message);
      return awsErrorAnswer(500, 'InternalFailure', (e as Error).message);
    }
  }

  /** The queue URL for `sqs:path/<account>/<queue>`, asked of the SQS service so its URL format is respected. */
  private async queueUrl(path: string): Promise<string> {
    const [account, queueName] = path.split('/') as [string, string];
    try {
      const out = await this.cloud.call<{ QueueUrl: string }>('sqs', 'GetQueueUrl', {
        QueueName: queueName,
        QueueOwnerAWSAccountId: account,
      });
      return out.QueueUrl;
    } catch {
      return `${this.cloud.ctx.endpoint}/${account}/${queueName}`;
    }
  }

  private localService(uriService: string): string | undefined {
    if (this.serviceNames.has(uriService)) return this.serviceNames.get(uriService);
    const found = (SERVICE_ALIASES[uriService] ?? [uriService]).find((name) => {
      try {
        return Boolean(this.cloud.service(name));
      } catch {
        return false;
      }
    });
    this.serviceNames.set(uriService, found);
    return found;
  }
}

/** Dates from local services reach templates as epoch seconds, as the JSON protocols send them. */
function wireDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

const awsErrorAnswer = (status: number, code: string, message: string): BackendAnswer => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': code },
  body: JSON.stringify({ __type: code, message }),
});

/** Query-protocol form → operation input (`MessageAttribute.1.Name` lists become the JSON API's maps). */
export const parseQueryForm = (body: string): Record<string, unknown> => {
  const flat = new URLSearchParams(body);
  const input: Record<string, unknown> = {};
  const attributes: Record<string, Record<string, Record<string, string>>> = {};
  for (const [key, value] of flat) {
    const attr = /^(MessageAttribute|MessageSystemAttribute|Attribute)\.(\d+)\.(Name|Value(?:\.(\w+))?)$/.exec(key);
    if (attr) {
      const [, group, index, field, valueField] = attr as unknown as [string, string, string, string, string?];
      const groupEntries = attributes[group] ?? {};
      attributes[group] = groupEntries;
      const entry = groupEntries[index] ?? {};
      groupEntries[index] = entry;
      if (field === 'Name') entry.__name = value;
      else entry[valueField ?? 'Value'] = value;
      continue;
    }
    input[key] = value;
  }
  for (const [group, entries] of Object.entries(attributes)) {
    const target = group === 'Attribute' ? 'Attributes' : `${group}s`;
    const map: Record<string, unknown> = {};
    for (const { __name, ...rest } of Object.values(entries)) {
      if (__name === undefined) continue;
      map[__name] = group === 'Attribute' ? rest.Value : rest;
    }
    input[target] = map;
  }
  return input;
};

const substitutePath = (uri: string, params: Record<string, string>): string =>
  uri.replace(/\{([^}+]+)\+?\}/g, (_m, name: string) => params[name] ?? '');

/** Pick and render the request template by Content-Type, honouring the passthrough behaviour. */
const renderRequest = (
  integration: IntegrationDef,
  input: TemplateInput,
  context: Record<string, unknown>,
  req: GatewayRequest,
): string => {
  const contentType = (lowerKeys(req.headers)['content-type'] ?? 'application/json')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const templates = integration.requestTemplates;
  const template = Object.entries(templates).find(([type]) => type.toLowerCase() === contentType)?.[1];
  if (template !== undefined) return renderTemplate(template, { input, context, stageVariables: req.stageVariables });
  const hasTemplates = Object.keys(templates).length > 0;
  if (
    integration.passthroughBehavior === 'NEVER' ||
    (integration.passthroughBehavior === 'WHEN_NO_TEMPLATES' && hasTemplates)
  )
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE');
  return input.body;
};

/** Selection: Lambda errors match `errorMessage`; everything else matches the backend status code. */
const selectResponse = (
  responses: readonly IntegrationResponseDef[],
  backend: BackendAnswer,
): IntegrationResponseDef | undefined => {
  const subject = backend.errorMessage ?? String(backend.status);
  const byPattern = responses.find(
    (r) =>
      r.selectionPattern !== undefined &&
      r.selectionPattern !== '' &&
      new RegExp(`^(?:${r.selectionPattern})$`, 's').test(subject),
  );
  if (byPattern) return byPattern;
  const fallback = responses.find((r) => r.selectionPattern === undefined || r.selectionPattern === '');
  // A Lambda error that matches no pattern still takes the default response (AWS maps it as a success).
  return fallback;
};

const mapResponse = (
  selected: IntegrationResponseDef,
  backend: BackendAnswer,
  context: Record<string, unknown> & TemplateOverrides,
  req: GatewayRequest,
  facts: RequestFacts,
): Omit<IntegrationAnswer, 'integrationLatencyMs'> => {
  const templates = selected.responseTemplates;
  const accept = (lowerKeys(req.headers).accept ?? 'application/json').split(',')[0]!.split(';')[0]!.trim();
  const [contentType, template] = Object.entries(templates).find(([type]) => type === accept) ??
    Object.entries(templates).find(([type]) => type === 'application/json') ??
    Object.entries(templates)[0] ?? [backend.headers['content-type'] ?? 'application/json', undefined];
  const input: TemplateInput = {
    body: backend.body,
    params: { path: req.pathParameters, querystring: req.query, header: req.headers },
  };
  const body =
    template === undefined || template === ''
      ? backend.body
      : renderTemplate(template, { input, context, stageVariables: req.stageVariables });
  const headers: Record<string, string[]> = { 'content-type': [contentType] };
  for (const [key, expression] of Object.entries(selected.responseParameters)) {
    const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
    if (!name) continue;
    const value = responseParameter(expression, backend, facts, req.stageVariables);
    if (value !== undefined) headers[name.toLowerCase()] = [value];
  }
  for (const [name, value] of Object.entries(context.responseOverride.header))
    headers[name.toLowerCase()] = [String(value)];
  const override = context.responseOverride.status;
  const status = override !== undefined && override !== '' ? Number(override) : Number(selected.statusCode);
  // CONVERT_TO_BINARY: the mapped body is base64 and the client gets its bytes.
  const bytes =
    selected.contentHandling === 'CONVERT_TO_BINARY' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return { status, headers, body: bytes, isBase64Encoded: false };
};

const responseParameter = (
  expression: string,
  backend: BackendAnswer,
  facts: RequestFacts,
  stageVariables: Record<string, string>,
): string | undefined => {
  const header = /^integration\.response\.header\.(.+)$/.exec(expression)?.[1];
  if (header) return lowerKeys(backend.headers)[header.toLowerCase()];
  if (expression === 'integration.response.body') return backend.body;
  const bodyPath = /^integration\.response\.body\.(.+)$/.exec(expression)?.[1];
  if (bodyPath) {
    try {
      let value: unknown = JSON.parse(backend.body);
      for (const part of bodyPath.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
      return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
    } catch {
      return undefined;
    }
  }
  return mapParameter(expression, facts, stageVariables);
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new GatewayError('INTEGRATION_TIMEOUT')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
