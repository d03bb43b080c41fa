/**
 * The edge: one HTTP server that detects the AWS wire protocol of each request, routes it to a service
 * operation and writes the answer in that protocol's shape. No service logic lives here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { isAwsError } from '../core/errors';
import type { CallContext, LocalLogger, Operation, RawRequest, RawResponse, Route, Service } from '../core/types';
import { queryErrorXml, queryResponseXml, unflattenQuery } from './query';

export interface EdgeOptions {
  /** The services to route to; a function so services registered later are seen. */
  readonly services: () => readonly Service[];
  readonly log: LocalLogger;
  /** @default 4566; 0 = any free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** A running edge server. */
export interface Edge {
  readonly server: Server;
  readonly port: number;
  /** e.g. http://localhost:4566 */
  readonly url: string;
  /** Register an extra raw route (console pages, debug endpoints), matched before the services. */
  addRoute(route: Route): void;
  close(): Promise<void>;
}

interface MatchedRoute {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/** Match `/a/{x}/b/{rest+}` against a path; undefined when it does not match. */
export const matchPath = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const greedy = /^\{(.+)\+\}$/.exec(w);
    if (greedy) {
      if (i >= got.length) return undefined;
      params[greedy[1] as string] = got.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    const g = got[i];
    if (g === undefined) return undefined;
    const name = /^\{(.+)\}$/.exec(w);
    if (name) params[name[1] as string] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return got.length === want.length ? params : undefined;
};

const findRoute = (routes: readonly Route[], method: string, path: string): MatchedRoute | undefined => {
  for (const route of routes) {
    if (route.method !== '*' && route.method.toUpperCase() !== method) continue;
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
};

/** The SigV4 signing name from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request`. */
export const signingName = (
  headers: Record<string, string | undefined>,
  query: Record<string, string>,
): string | undefined => {
  const credential = /Credential=([^,\s]+)/.exec(headers.authorization ?? '')?.[1] ?? query['X-Amz-Credential'];
  return credential?.split('/')[3];
};

/** The request body, decompressed: SDK clients gzip large bodies (CloudWatch `PutMetricData`). */
const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const encoding = req.headers['content-encoding'];
        resolve(encoding === 'gzip' ? gunzipSync(body) : encoding === 'deflate' ? inflateSync(body) : body);
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });

const flatHeaders = (req: IncomingMessage): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
};

const send = (res: ServerResponse, requestId: string, r: RawResponse): void => {
  const body = r.body ?? '';
  res.writeHead(r.status, {
    'x-amzn-requestid': requestId,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'x-amzn-requestid,x-amzn-errortype,x-amz-function-error,x-amz-log-result',
    'content-length': Buffer.byteLength(body),
    ...r.headers,
  });
  res.end(body);
};

const jsonError = (
  code: string,
  message: string,
  status: number,
  contentType: string,
  extra: Record<string, string> = {},
  fields: Readonly<Record<string, unknown>> = {},
): RawResponse => ({
  status,
  headers: { 'content-type': contentType, 'x-amzn-errortype': code, ...extra },
  body: JSON.stringify({ ...fields, __type: code, message }),
});

interface Failure {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly senderFault: boolean;
  readonly queryCode?: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

const failureOf = (e: unknown, log: LocalLogger, where: string): Failure => {
  if (isAwsError(e)) {
    return {
      code: e.code,
      message: e.message,
      status: e.status,
      senderFault: e.senderFault,
      ...(e.queryCode ? { queryCode: e.queryCode } : {}),
      ...(e.fields ? { fields: e.fields } : {}),
    };
  }
  log.error(`${where} failed`, { error: (e as Error)?.stack ?? String(e) });
  return {
    code: 'InternalFailure',
    message: `local ${where} failed: ${(e as Error)?.message ?? e}`,
    status: 500,
    senderFault: false,
  };
};

/** The request handler, separate from the server so it can be mounted elsewhere. */
export const edgeHandler = (options: EdgeOptions, extraRoutes: readonly Route[]) => {
  const { log } = options;

  const callOperation = async (
    service: Service,
    operation: string,
    input: unknown,
    raw: RawRequest,
  ): Promise<unknown> => {
    const op = service.operations[operation] as Operation;
    const ctx: CallContext = {
      requestId: raw.requestId,
      caller: 'edge',
      http: { headers: raw.headers, ...(raw.headers.host ? { host: raw.headers.host } : {}) },
    };
    return op(input, ctx);
  };

  const handleJson = async (raw: RawRequest, target: string): Promise<RawResponse> => {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    const service = options.services().find((s) => s.targetPrefix === prefix);
    const contentType =
      raw.headers['content-type']?.split(';')[0]?.trim() ||
      (service?.protocol === 'json1.1' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0');
    if (!service) {
      return jsonError(
        'UnknownOperationException',
        `no local service answers X-Amz-Target ${target}`,
        400,
        contentType,
      );
    }
    if (!service.operations[operation]) {
      return jsonError(
        'UnknownOperationException',
        `${operation} is not supported by the local ${service.name} service`,
        400,
        contentType,
      );
    }
    let input: unknown = {};
    if (raw.body.length > 0) {
      try {
        input = JSON.parse(raw.body.toString('utf8'));
      } catch {
        return jsonError('SerializationException', 'the request body is not valid JSON', 400, contentType);
      }
    }
    try {
      const output = await callOperation(service, operation, input, raw);
      return { status: 200, headers: { 'content-type': contentType }, body: JSON.stringify(output ?? {}) };
    } catch (e) {
      const f = failureOf(e, log, `${service.name}.${operation}`);
      const queryMode = raw.headers['x-amzn-query-mode'] === 'true';
      const extra: Record<string, string> = queryMode
        ? { 'x-amzn-query-error': `${f.queryCode ?? f.code};${f.senderFault ? 'Sender' : 'Receiver'}` }
        : {};
      return jsonError(f.code, f.message, f.status, contentType, extra, f.fields);
    }
  };

  const handleQuery = async (raw: RawRequest, params: Record<string, string>): Promise<RawResponse> => {
    const action = params.Action as string;
    const name = signingName(raw.headers, raw.query);
    const services = options.services().filter((s) => s.protocol === 'query' || s.signingNames);
    const service =
      services.find((s) => name !== undefined && s.signingNames?.includes(name)) ??
      (name === undefined ? services.find((s) => s.operations[action]) : undefined);
    const xml = (status: number, body: string): RawResponse => ({
      status,
      headers: { 'content-type': 'text/xml' },
      body,
    });
    const namespace = service?.xmlNamespace ?? 'http://local.amazonaws.com/doc/';
    if (!service) {
      return xml(
        400,
        queryErrorXml(
          'InvalidAction',
          `no local service answers ${name ?? 'this'} query action ${action}`,
          true,
          raw.requestId,
          namespace,
        ),
      );
    }
    if (!service.operations[action]) {
      return xml(
        400,
        queryErrorXml(
          'InvalidAction',
          `${action} is not supported by the local ${service.name} service`,
          true,
          raw.requestId,
          namespace,
        ),
      );
    }
    try {
      const input = service.queryInput ? service.queryInput(action, params) : unflattenQuery(params);
      const output = await callOperation(service, action, input, raw);
      const shape = {
        ...(service.queryMapFields ? { mapFields: service.queryMapFields } : {}),
        ...(service.queryFlattenedFields ? { flattenedFields: service.queryFlattenedFields } : {}),
      };
      return xml(200, queryResponseXml(action, output, raw.requestId, namespace, shape));
    } catch (e) {
      const f = failureOf(e, log, `${service.name}.${action}`);
      return xml(f.status, queryErrorXml(f.queryCode ?? f.code, f.message, f.senderFault, raw.requestId, namespace));
    }
  };

  const dispatch = async (raw: RawRequest): Promise<RawResponse> => {
    if (raw.method === 'OPTIONS') {
      return {
        status: 200,
        headers: {
          'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS',
          'access-control-allow-headers': raw.headers['access-control-request-headers'] ?? '*',
          'access-control-max-age': '86400',
        },
      };
    }
    const routes = [...extraRoutes, ...options.services().flatMap((s) => s.routes ?? [])];
    const matched = findRoute(routes, raw.method, raw.path);
    if (matched) {
      try {
        return await matched.route.handle(raw, matched.params);
      } catch (e) {
        const f = failureOf(e, log, `route ${raw.method} ${matched.route.path}`);
        return jsonError(f.code, f.message, f.status, 'application/json');
      }
    }
    const target = raw.headers['x-amz-target'];
    if (target) return handleJson(raw, target);
    const contentType = raw.headers['content-type'] ?? '';
    const form = contentType.startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(raw.body.toString('utf8')))
      : {};
    const params = { ...raw.query, ...form };
    if (params.Action) return handleQuery(raw, params);
    return jsonError(
      'UnknownOperationException',
      `no local service answers ${raw.method} ${raw.path}`,
      404,
      'application/json',
    );
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const raw: RawRequest = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: flatHeaders(req),
        body: await readBody(req),
        requestId,
      };
      send(res, requestId, await dispatch(raw));
    } catch (e) {
      log.error('edge request failed', { error: (e as Error)?.stack ?? String(e) });
      if (!res.headersSent) send(res, requestId, jsonError('InternalFailure', String(e), 500, 'application/json'));
      else res.end();
    }
  };
};

/** Start the edge server. Routes `/_health` itself; `addRoute` registers more (a console, for instance). */
export const startEdge = async (options: EdgeOptions): Promise<Edge> => {
  const extraRoutes: Route[] = [
    {
      method: 'GET',
      path: '/_health',
      handle: async () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          status: 'running',
          services: Object.fromEntries(options.services().map((s) => [s.name, 'running'])),
        }),
      }),
    },
  ];
  const handler = edgeHandler(options, extraRoutes);
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${port}`,
    addRoute: (route) => {
      extraRoutes.push(route);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
