/**
 * The REST API front door: one node:http server for every REST API of the template. It routes
 * `/<stage>/<path>` (and `/restapis/<apiId>/<stage>/_user_request_/<path>`), then runs API Gateway's request
 * pipeline: size limit, routing, throttling, authorizer, API key and usage plan, validation, integration,
 * gateway responses; and records access logs and metrics.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cloud, LocalContext } from '../core/types.ts';
import { type AuthorizationResult, Authorizers } from './authorizers.ts';
import { GatewayError, gatewayAnswer, lowerKeys } from './gateway-responses.ts';
import { type IntegrationAnswer, Integrations } from './integrations.ts';
import { type GatewayModel, matchRoute, type RestApiDef, type StageDef } from './model.ts';
import { methodArn } from './policy.ts';
import { clfTime, type GatewayRequest, type RequestIdentity } from './proxy.ts';
import { Telemetry } from './telemetry.ts';
import { Throttling } from './throttle.ts';
import { Validators } from './validation.ts';
import { newOverrides, type TemplateOverrides } from './vtl.ts';

/** API Gateway's hard request payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface Routed {
  readonly api: RestApiDef;
  readonly stage: StageDef;
  readonly path: string;
}

interface Outgoing {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | string;
}

/** Handles the HTTP requests of one running gateway. */
export class GatewayServer {
  readonly authorizers: Authorizers;
  readonly telemetry: Telemetry;
  private readonly integrations: Integrations;
  private readonly throttling: Throttling;
  private readonly validators = new Validators();

  constructor(
    private readonly ctx: LocalContext,
    cloud: Cloud,
    private readonly model: GatewayModel,
  ) {
    this.authorizers = new Authorizers(ctx, cloud);
    this.integrations = new Integrations(cloud);
    this.throttling = new Throttling(model);
    this.telemetry = new Telemetry(cloud, ctx);
  }

  /** The node:http request listener. */
  readonly listener = (nodeReq: IncomingMessage, nodeRes: ServerResponse): void => {
    this.handle(nodeReq, nodeRes).catch((e: unknown) => {
      this.ctx.log.error('apigateway: unexpected failure', { error: String((e as Error).stack ?? e) });
      if (!nodeRes.headersSent) nodeRes.writeHead(500, { 'content-type': 'application/json' });
      nodeRes.end('{"message": "Internal server error"}');
    });
  };

  private async handle(nodeReq: IncomingMessage, nodeRes: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(nodeReq.url ?? '/', 'http://local');
    const routed = this.routeStage(url.pathname);
    const { body, tooLarge } = await readBody(nodeReq);
    const httpMethod = (nodeReq.method ?? 'GET').toUpperCase();
    const overrides = newOverrides();
    const { headers, multiValueHeaders } = headersOf(nodeReq);
    const { query, multiValueQuery } = queryOf(url);

    if (!routed) {
      // An unknown stage answers as the execute-api domain does when no API is mapped there.
      return this.send(nodeRes, requestId, {
        status: 403,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Forbidden"}',
      });
    }
    const { api, stage } = routed;
    const segments = routed.path.split('/').filter(Boolean).map(safeDecode);
    const match = matchRoute(api.root, segments);
    const method = match ? (match.resource.methods.get(httpMethod) ?? match.resource.methods.get('ANY')) : undefined;
    const host = headers.Host ?? headers.host ?? `localhost`;
    const req: GatewayRequest = {
      requestId,
      accountId: this.ctx.accountId,
      apiId: api.id,
      stage: stage.name,
      httpMethod,
      path: `/${segments.join('/')}`,
      resourcePath: match?.resource.path ?? '',
      resourceId: match?.resource.id ?? '',
      headers,
      multiValueHeaders,
      query,
      multiValueQuery,
      pathParameters: match?.pathParameters ?? {},
      stageVariables: stage.variables,
      body,
      binaryBody: mediaTypeMatches(api.binaryMediaTypes, lowerKeys(headers)['content-type']),
      sourceIp: normalizeIp(nodeReq.socket.remoteAddress),
      userAgent: lowerKeys(headers)['user-agent'],
      domainName: host,
      protocol: `HTTP/${nodeReq.httpVersion}`,
      requestTimeEpoch: started,
    };
    const identity: RequestIdentity = {};
    let auth: AuthorizationResult | undefined;
    const context = (): Record<string, unknown> & TemplateOverrides =>
      contextVariables(req, identity, auth?.context, overrides);

    let outgoing: Outgoing;
    let integrationLatency: number | undefined;
    let integrationStatus: number | undefined;
    let failure: GatewayError | undefined;
    try {
      if (tooLarge) throw new GatewayError('REQUEST_TOO_LARGE');
      if (!match || !method) throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
      this.throttling.checkStage(api.id, stage, match.resource.path, httpMethod);
      const arn = methodArn(this.ctx.region, this.ctx.accountId, api.id, stage.name, httpMethod, req.path);
      if (method.authorizationType === 'CUSTOM' || method.authorizationType === 'COGNITO_USER_POOLS') {
        const authorizer = method.authorizerId ? api.authorizers.get(method.authorizerId) : undefined;
        if (!authorizer) throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR');
        auth = await this.authorizers.authorize(authorizer, method, req, arn);
      } else if (
        method.authorizationType === 'AWS_IAM' &&
        !/^AWS4-HMAC-SHA256 /.test(lowerKeys(headers).authorization ?? '')
      ) {
        // Signatures are not verified locally, but an unsigned call is refused as AWS refuses it.
        throw new GatewayError('MISSING_AUTHENTICATION_TOKEN');
      }
      if (method.apiKeyRequired) {
        const value = api.apiKeySource === 'AUTHORIZER' ? auth?.usageIdentifierKey : lowerKeys(headers)['x-api-key'];
        const resolved = this.throttling.resolveKey(value, api.id, stage.name);
        if (!resolved) throw new GatewayError('INVALID_API_KEY');
        identity.apiKey = resolved.key.value;
        identity.apiKeyId = resolved.key.id;
        this.throttling.checkPlan(resolved.key, resolved.plan, api.id, stage.name, match.resource.path, httpMethod);
      }
      this.validators.validate(api, method, req);
      const answer = await this.integrations.run({
        req,
        method,
        identity,
        authorizer: auth?.context,
        context: context(),
      });
      integrationLatency = answer.integrationLatencyMs;
      integrationStatus = answer.status;
      outgoing = this.toClient(api, answer, headers);
    } catch (e) {
      if (!(e instanceof GatewayError)) {
        this.ctx.log.error('apigateway: integration failed', { requestId, error: String((e as Error).stack ?? e) });
      }
      const error =
        e instanceof GatewayError ? e : new GatewayError('API_CONFIGURATION_ERROR', 'Internal server error');
      failure = error;
      outgoing = gatewayAnswer(error, api, context(), stage.variables, {
        headers,
        query,
        pathParameters: req.pathParameters,
      });
    }
    this.send(nodeRes, requestId, outgoing);
    const bodyLength = Buffer.byteLength(outgoing.body);
    this.telemetry.record({
      api,
      stage,
      resourcePath: req.resourcePath,
      httpMethod,
      status: outgoing.status,
      latencyMs: Date.now() - started,
      integrationLatencyMs: integrationLatency,
      context: {
        ...context(),
        status: outgoing.status,
        responseLength: bodyLength,
        responseLatency: Date.now() - started,
        integrationLatency: integrationLatency ?? '-',
        integrationStatus: integrationStatus ?? '-',
        integration: { latency: integrationLatency ?? '-', status: integrationStatus ?? '-' },
        error: failure
          ? {
              message: failure.gatewayMessage ?? '',
              messageString: JSON.stringify(failure.gatewayMessage),
              responseType: failure.type,
              validationErrorString: failure.validationErrorString ?? '',
            }
          : {},
      },
    });
  }

  /** `/restapis/<id>/<stage>/_user_request_/<path>`, or `/<stage>/<path>` for the first API with that stage. */
  private routeStage(pathname: string): Routed | undefined {
    const explicit = /^\/restapis\/([^/]+)\/([^/]+)\/_user_request_(\/.*)?$/.exec(pathname);
    if (explicit) {
      const api = this.model.apis.find((a) => a.id === explicit[1]);
      const stage = api?.stages.get(safeDecode(explicit[2]!));
      return api && stage ? { api, stage, path: explicit[3] ?? '/' } : undefined;
    }
    const [, stageName = '', rest = '/'] = /^\/([^/]*)(\/.*)?$/.exec(pathname) ?? [];
    for (const api of this.model.apis) {
      const stage = api.stages.get(safeDecode(stageName));
      if (stage) return { api, stage, path: rest };
    }
    return undefined;
  }

  private toClient(api: RestApiDef, answer: IntegrationAnswer, requestHeaders: Record<string, string>): Outgoing {
    let body = answer.body;
    if (answer.isBase64Encoded) {
      const accept = lowerKeys(requestHeaders).accept?.split(',')[0]?.split(';')[0]?.trim();
      const contentType = answer.headers['content-type']?.[0];
      // AWS turns a base64 answer into bytes only when the client asks for a binary media type.
      const binary =
        mediaTypeMatches(api.binaryMediaTypes, accept) ||
        (!accept && mediaTypeMatches(api.binaryMediaTypes, contentType));
      if (!binary) body = Buffer.from(answer.body.toString('base64'), 'utf8');
    }
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json', ...answer.headers };
    return { status: answer.status, headers, body };
  }

  private send(nodeRes: ServerResponse, requestId: string, outgoing: Outgoing): void {
    const body = typeof outgoing.body === 'string' ? Buffer.from(outgoing.body, 'utf8') : outgoing.body;
    const headers: Record<string, string | string[]> = {
      ...outgoing.headers,
      'x-amzn-requestid': requestId,
      'x-amz-apigw-id': requestId.slice(0, 16),
      'content-length': String(body.length),
    };
    nodeRes.writeHead(outgoing.status, headers);
    nodeRes.end(body);
  }
}

/** `$context` for templates and access logs. */
const contextVariables = (
  req: GatewayRequest,
  identity: RequestIdentity,
  authorizer: Record<string, unknown> | undefined,
  overrides: TemplateOverrides,
): Record<string, unknown> & TemplateOverrides => ({
  accountId: req.accountId,
  apiId: req.apiId,
  authorizer: authorizer ?? {},
  awsEndpointRequestId: req.requestId,
  domainName: req.domainName,
  domainPrefix: req.domainName.split('.')[0] ?? req.domainName,
  extendedRequestId: req.requestId,
  httpMethod: req.httpMethod,
  identity: {
    sourceIp: req.sourceIp,
    userAgent: req.userAgent ?? '',
    apiKey: identity.apiKey ?? '',
    apiKeyId: identity.apiKeyId ?? '',
    accountId: '',
    caller: '',
    user: '',
    userArn: '',
  },
  path: `/${req.stage}${req.path}`,
  protocol: req.protocol,
  requestId: req.requestId,
  requestTime: clfTime(req.requestTimeEpoch),
  requestTimeEpoch: req.requestTimeEpoch,
  resourceId: req.resourceId,
  resourcePath: req.resourcePath,
  stage: req.stage,
  error: {},
  ...overrides,
});

const readBody = (nodeReq: IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    nodeReq.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      // Past the limit the bytes are drained, not kept: the answer is a 413 anyway.
      else chunks.push(chunk);
    });
    nodeReq.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    nodeReq.on('error', reject);
  });

/** Header names keep the client's case, as the proxy event shows them. */
const headersOf = (nodeReq: IncomingMessage) => {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = nodeReq.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.toLowerCase() === 'connection' || name.toLowerCase() === 'content-length') continue;
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    headers[existing] = value;
    multiValueHeaders[existing] = [...(multiValueHeaders[existing] ?? []), value];
  }
  const forwarded: Record<string, string> = {
    'X-Forwarded-For': normalizeIp(nodeReq.socket.remoteAddress),
    'X-Forwarded-Port': String(nodeReq.socket.localPort ?? ''),
    'X-Forwarded-Proto': 'http',
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
  };
  for (const [name, value] of Object.entries(forwarded)) {
    if (Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase())) continue;
    headers[name] = value;
    multiValueHeaders[name] = [value];
  }
  return { headers, multiValueHeaders };
};

const queryOf = (url: URL) => {
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = value;
    multiValueQuery[key] = [...(multiValueQuery[key] ?? []), value];
  }
  return { query, multiValueQuery };
};

/** Whether a media type is one of the API's binary media types (`image/*`, `*\/*` wildcards allowed). */
export const mediaTypeMatches = (types: readonly string[], mediaType: string | undefined): boolean => {
  if (!mediaType) return false;
  const [type = '', sub = ''] = mediaType.split(';')[0]!.trim().toLowerCase().split('/');
  return types.some((t) => {
    const [tType, tSub] = t.toLowerCase().split('/');
    return (tType === '*' || tType === type) && (tSub === '*' || tSub === sub);
  });
};

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const normalizeIp = (ip: string | undefined): string => (ip ?? '127.0.0.1').replace(/^::ffff:/, '');
