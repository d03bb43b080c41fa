import { API_ID, ROOT_ID, STAGE, type Started, startGateway } from './fixture.ts';

let gw: Started;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

const json = async (response: Response) => JSON.parse(await response.text());

describe('routing', () => {
  it('serves the stage URL it reports', () => {
    expect(gw.service.info?.().apiUrl).toMatch(new RegExp(`^http://localhost:\\d+/${STAGE}/$`));
  });

  it('fills pathParameters from {param} segments', async () => {
    const event = await json(await fetch(gw.url('/items/42')));
    expect(event.resource).toBe('/items/{itemId}');
    expect(event.path).toBe('/items/42');
    expect(event.pathParameters).toEqual({ itemId: '42' });
  });

  it('prefers a literal segment over a path parameter', async () => {
    const event = await json(await fetch(gw.url('/items/special')));
    expect(event.resource).toBe('/items/special');
    expect(event.pathParameters).toBeNull();
  });

  it('gives the rest of the path to a greedy {proxy+} with ANY', async () => {
    const event = await json(await fetch(gw.url('/files/a/b/c.txt'), { method: 'DELETE' }));
    expect(event.resource).toBe('/files/{proxy+}');
    expect(event.httpMethod).toBe('DELETE');
    expect(event.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
  });

  it('answers 403 Missing Authentication Token for an unknown path', async () => {
    const response = await fetch(gw.url('/nope'));
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await json(response)).toEqual({ message: 'Missing Authentication Token' });
  });

  it('answers 403 Missing Authentication Token for a method the resource lacks', async () => {
    const response = await fetch(gw.url('/items/42'), { method: 'PATCH' });
    expect(response.status).toBe(403);
    expect(await json(response)).toEqual({ message: 'Missing Authentication Token' });
  });

  it('answers 403 Forbidden for a stage that does not exist', async () => {
    const base = new URL(gw.url('/')).origin;
    const response = await fetch(`${base}/prod/items`);
    expect(response.status).toBe(403);
    expect(await json(response)).toEqual({ message: 'Forbidden' });
  });

  it('serves the same API under /restapis/<id>/<stage>/_user_request_/', async () => {
    const base = new URL(gw.url('/')).origin;
    const event = await json(await fetch(`${base}/restapis/${API_ID}/${STAGE}/_user_request_/items/7`));
    expect(event.pathParameters).toEqual({ itemId: '7' });
  });

  it('adds the gateway response headers of DEFAULT_4XX to gateway errors', async () => {
    const response = await fetch(gw.url('/nope'));
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('localizes the execute-api URL of a stack output', () => {
    const local = gw.service.localizeUrl?.(`https://${API_ID}.execute-api.us-east-1.amazonaws.com/${STAGE}/`);
    expect(local).toBe(gw.url('/'));
  });
});

describe('the Lambda proxy event', () => {
  it('carries the REST v1 fields and requestContext', async () => {
    const response = await fetch(gw.url('/items?tag=a&tag=b&limit=5'), {
      headers: { 'X-Custom': 'one', 'User-Agent': 'jest-agent' },
    });
    const event = await json(response);
    expect(response.status).toBe(200);
    expect(event).toMatchObject({
      resource: '/items',
      path: '/items',
      httpMethod: 'GET',
      queryStringParameters: { tag: 'b', limit: '5' },
      multiValueQueryStringParameters: { tag: ['a', 'b'], limit: ['5'] },
      pathParameters: null,
      stageVariables: { env: 'testing' },
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers['X-Custom']).toBe('one');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['one']);
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: API_ID,
      httpMethod: 'GET',
      path: `/${STAGE}/items`,
      protocol: 'HTTP/1.1',
      resourcePath: '/items',
      resourceId: 'r-items',
      stage: STAGE,
      identity: { sourceIp: '127.0.0.1', userAgent: 'jest-agent', apiKey: null },
    });
    expect(event.requestContext.requestId).toBe(response.headers.get('x-amzn-requestid'));
    expect(event.requestContext.requestTime).toMatch(/^\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof event.requestContext.requestTimeEpoch).toBe('number');
  });

  it('passes a text body as a string and a binary media type as base64', async () => {
    const text = await json(
      await fetch(gw.url('/files/x'), {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(text).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const bytes = Buffer.from([0, 1, 2, 255]);
    const binary = await json(
      await fetch(gw.url('/binary'), { method: 'POST', body: bytes, headers: { 'content-type': 'image/png' } }),
    );
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('maps statusCode, headers and multiValueHeaders of the answer', async () => {
    const response = await fetch(gw.url('/multi'));
    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('a');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('created');
  });

  it('decodes a base64 answer when the client accepts the binary media type', async () => {
    const asBinary = await fetch(gw.url('/binary'), { headers: { accept: 'image/png' } });
    expect(Buffer.from(await asBinary.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const asText = await fetch(gw.url('/binary'), { headers: { accept: 'application/json' } });
    expect(await asText.text()).toBe(Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'));
  });

  it('answers 502 Internal server error for a malformed Lambda answer', async () => {
    const response = await fetch(gw.url('/bad'));
    expect(response.status).toBe(502);
    expect(await json(response)).toEqual({ message: 'Internal server error' });
  });

  it('answers 502 when the function throws', async () => {
    const response = await fetch(gw.url('/throws'));
    expect(response.status).toBe(502);
    expect(await json(response)).toEqual({ message: 'Internal server error' });
  });

  it('answers 504 when the integration outlasts its timeout', async () => {
    const started = Date.now();
    const response = await fetch(gw.url('/slow'));
    expect(response.status).toBe(504);
    expect(await json(response)).toEqual({ message: 'Endpoint request timed out' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('answers 413 for a body over 10 MB without invoking the function', async () => {
    const before = gw.cloud.callsTo('lambda', 'Invoke').length;
    const response = await fetch(gw.url('/files/upload'), {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 97),
    });
    expect(response.status).toBe(413);
    expect((await json(response)).message).toBeDefined();
    expect(gw.cloud.callsTo('lambda', 'Invoke').length).toBe(before);
  });

  it('accepts a body of exactly 10 MB', async () => {
    const response = await fetch(gw.url('/files/upload'), { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024, 97) });
    expect(response.status).toBe(200);
  });
});

describe('access logs', () => {
  it('carries the gateway error of a refused request in $context.error', async () => {
    const previous = gw.service.accessLogs().length;
    await fetch(gw.url('/nope'));
    const line = gw.service.accessLogs()[previous];
    expect(JSON.parse(line!.message)).toMatchObject({ status: '403', path: '', error: 'MISSING_AUTHENTICATION_TOKEN' });
  });

  it('renders the stage format with $context for each request', async () => {
    const response = await fetch(gw.url('/items/9'));
    const requestId = response.headers.get('x-amzn-requestid');
    const line = gw.service.accessLogs().find((l) => l.message.includes(String(requestId)));
    expect(line).toBeDefined();
    expect(JSON.parse(line!.message)).toEqual({
      requestId,
      method: 'GET',
      path: '/items/{itemId}',
      status: '200',
      error: '',
    });
  });
});

it('builds the tree whatever the order resources were provisioned in', () => {
  const api = gw.service.model()?.apis[0];
  expect(api?.root.id).toBe(ROOT_ID);
  expect(api?.resourcesById.get('r-item')?.path).toBe('/items/{itemId}');
});
