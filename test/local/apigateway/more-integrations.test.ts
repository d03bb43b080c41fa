/** Lambda non-proxy integrations, HTTP_PROXY, and the metrics sent to a local CloudWatch. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedResource } from '../../../local/core/types.ts';
import {
  API_ID,
  FakeCloud,
  fnArn,
  functions,
  lambdaUri,
  method,
  path,
  REGION,
  ROOT_ID,
  res,
  STAGE,
  type Started,
  startGateway,
} from './fixture.ts';

let backend: Server;
let gw: Started;
const metricCalls: {
  Namespace: string;
  MetricData: { MetricName: string; Dimensions: { Name: string; Value: string }[]; StatisticValues: { Sum: number } }[];
}[] = [];

const apiResources = (backendUrl: string): ResolvedResource[] => [
  res('Api', 'RestApi', { Name: 'more', BinaryMediaTypes: ['image/png'] }, API_ID, { RootResourceId: ROOT_ID }),
  res('Stage', 'Stage', { StageName: STAGE, DeploymentId: 'd' }, STAGE),
  path('r-calc', ROOT_ID, 'calc'),
  path('r-up', ROOT_ID, 'upstream'),
  path('r-up-proxy', 'r-up', '{proxy+}'),
  method('CalcPost', 'r-calc', 'POST', {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: lambdaUri('calc'),
    RequestTemplates: {
      'application/json': '{"a":$input.path(\'$.a\'),"b":$input.path(\'$.b\'),"caller":"$context.identity.sourceIp"}',
    },
    IntegrationResponses: [
      { StatusCode: '200', ResponseTemplates: { 'application/json': '{"sum":$input.path(\'$.sum\')}' } },
      {
        StatusCode: '400',
        SelectionPattern: 'Invalid.*',
        ResponseTemplates: {
          'application/json': '{"error":"$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}',
        },
      },
    ],
  }),
  path('r-blob', ROOT_ID, 'blob'),
  method('BlobPut', 'r-blob', 'PUT', {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: `arn:aws:apigateway:${REGION}:blobs:action/PutBlob`,
    ContentHandling: 'CONVERT_TO_TEXT',
    RequestTemplates: { 'image/png': '{"data":"$input.body"}' },
    IntegrationResponses: [
      {
        StatusCode: '200',
        ContentHandling: 'CONVERT_TO_BINARY',
        ResponseTemplates: { 'image/png': "$input.path('$.data')" },
      },
    ],
  }),
  method('UpstreamAny', 'r-up-proxy', 'ANY', {
    Type: 'HTTP_PROXY',
    IntegrationHttpMethod: 'ANY',
    Uri: `${backendUrl}/{proxy}`,
    RequestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
  }),
];

beforeAll(async () => {
  backend = createServer((req, out) => {
    out.writeHead(207, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
    out.end(`${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => backend.listen(0, resolve));
  const cloud = new FakeCloud({
    ...functions,
    [fnArn('calc')]: (event: { a: unknown; b: unknown }) => {
      if (typeof event.a !== 'number' || typeof event.b !== 'number')
        throw new Error(`Invalid operands: ${JSON.stringify(event)}`);
      return { sum: event.a + event.b };
    },
  });
  cloud.addService({
    name: 'blobs',
    protocol: 'json1.1',
    operations: {
      PutBlob: async (input: { data: string }) => ({
        data: input.data,
        size: Buffer.from(input.data, 'base64').length,
      }),
    },
  });
  cloud.addService({
    name: 'cloudwatch',
    protocol: 'query',
    operations: { PutMetricData: async (input) => void metricCalls.push(input) },
  });
  gw = await startGateway(apiResources(`http://localhost:${(backend.address() as AddressInfo).port}`), cloud);
});
afterAll(async () => {
  await gw?.stop();
  await new Promise((resolve) => backend?.close(resolve));
});

const json = async (response: Response) => JSON.parse(await response.text());

describe('Lambda non-proxy integration', () => {
  it('sends the rendered template as the payload and maps the result', async () => {
    const response = await fetch(gw.url('/calc'), {
      method: 'POST',
      body: '{"a":2,"b":3}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ sum: 5 });
    const [call] = gw.cloud.callsTo('lambda', 'Invoke').slice(-1);
    expect(JSON.parse(call!.input.Payload)).toEqual({ a: 2, b: 3, caller: '127.0.0.1' });
  });

  it('selects the error response by matching the errorMessage', async () => {
    const response = await fetch(gw.url('/calc'), {
      method: 'POST',
      body: '{"a":true,"b":3}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatch(/^Invalid operands/);
  });
});

describe('binary payloads through a non-proxy integration', () => {
  it('hands the template base64 under CONVERT_TO_TEXT and returns bytes under CONVERT_TO_BINARY', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const response = await fetch(gw.url('/blob'), {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'image/png', accept: 'image/png' },
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
    const [call] = gw.cloud.callsTo('blobs', 'PutBlob');
    expect(call!.input).toEqual({ data: bytes.toString('base64') });
  });
});

describe('HTTP_PROXY integration', () => {
  it('forwards method, greedy path and query string and relays the answer', async () => {
    const response = await fetch(gw.url('/upstream/a/b?x=1'), { method: 'PUT', body: 'data' });
    expect(response.status).toBe(207);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.text()).toBe('PUT /a/b?x=1');
  });
});

describe('metrics', () => {
  it('sends Count, 4XXError, 5XXError and Latency per API and stage to CloudWatch', async () => {
    await fetch(gw.url('/calc'), {
      method: 'POST',
      body: '{"a":1,"b":1}',
      headers: { 'content-type': 'application/json' },
    });
    await fetch(gw.url('/missing'));
    await gw.service.stop?.();
    const data = metricCalls.flatMap((c) => c.MetricData.map((d) => ({ ...d, ns: c.Namespace })));
    const apiLevel = (name: string) =>
      data
        .filter((d) => d.MetricName === name && d.Dimensions.length === 2 && d.Dimensions[0]!.Value === 'more')
        .reduce((s, d) => s + d.StatisticValues.Sum, 0);
    expect(data.every((d) => d.ns === 'AWS/ApiGateway')).toBe(true);
    expect(apiLevel('Count')).toBeGreaterThanOrEqual(2);
    expect(apiLevel('4XXError')).toBeGreaterThanOrEqual(1);
    expect(data.some((d) => d.MetricName === 'IntegrationLatency')).toBe(true);
    expect(data.some((d) => d.Dimensions.some((x) => x.Name === 'Resource' && x.Value === '/calc'))).toBe(true);
  });
});
