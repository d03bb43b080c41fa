import { type Started, startGateway } from './fixture.ts';

let gw: Started;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

const json = async (response: Response) => JSON.parse(await response.text());
const postItem = (body: string, headers: Record<string, string> = { 'X-Client': 'web' }) =>
  fetch(gw.url('/items'), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('request validation', () => {
  it('lets a valid body with the required header through', async () => {
    const response = await postItem(JSON.stringify({ name: 'Soup', priceCents: 450 }));
    expect(response.status).toBe(200);
  });

  it('answers 400 with the missing required parameters before looking at the body', async () => {
    const response = await postItem('{}', {});
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ message: 'Missing required request parameters: [X-Client]' });
  });

  it('answers a schema violation with the BAD_REQUEST_BODY gateway response and its validation error string', async () => {
    const invocations = gw.cloud.callsTo('lambda', 'Invoke').length;
    const response = await postItem(JSON.stringify({ name: 'Soup', priceCents: 'free' }), {
      'X-Client': 'web',
      Origin: 'https://app.example',
    });
    const body = await json(response);
    expect(response.status).toBe(422);
    expect(response.headers.get('x-request-origin')).toBe('https://app.example');
    // A customized type does not inherit DEFAULT_4XX's headers.
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toBe('Invalid request body');
    expect(body.error.details).toContain('integer');
    expect(gw.cloud.callsTo('lambda', 'Invoke').length).toBe(invocations);
  });

  it.each([
    ['a missing required property', JSON.stringify({ name: 'Soup' }), 'priceCents'],
    ['an unknown property', JSON.stringify({ name: 'Soup', priceCents: 1, extra: true }), 'extra'],
    ['malformed JSON', '{"name":', 'Invalid JSON'],
  ])('rejects %s', async (_case, body, detail) => {
    const response = await postItem(body);
    expect(response.status).toBe(422);
    expect((await json(response)).error.details).toContain(detail);
  });
});

describe('throttling', () => {
  it('answers 429 Too Many Requests once the method burst is spent', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(gw.url('/limited'))).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const response = await fetch(gw.url('/limited'));
    expect(await json(response)).toEqual({ message: 'Too Many Requests' });
    expect(response.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
  });

  it('leaves other methods under the stage-wide limit', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => fetch(gw.url('/items/1')).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe('API keys and usage plans', () => {
  it('answers 403 Forbidden without a key, or with an unknown one', async () => {
    const none = await fetch(gw.url('/keyed'));
    const wrong = await fetch(gw.url('/keyed'), { headers: { 'x-api-key': 'nope' } });
    expect([none.status, wrong.status]).toEqual([403, 403]);
    expect(await json(none)).toEqual({ message: 'Forbidden' });
  });

  it('puts the key in the identity and enforces the plan quota with 429 Limit Exceeded', async () => {
    const headers = { 'x-api-key': 'partner-key-0123456789' };
    const first = await fetch(gw.url('/keyed'), { headers });
    const event = await json(first);
    expect(event.requestContext.identity).toMatchObject({ apiKey: 'partner-key-0123456789', apiKeyId: 'key1' });
    expect((await fetch(gw.url('/keyed'), { headers })).status).toBe(200);
    const third = await fetch(gw.url('/keyed'), { headers });
    expect(third.status).toBe(429);
    expect(await json(third)).toEqual({ message: 'Limit Exceeded' });
  });

  it('reports the API key values in info()', () => {
    expect(gw.service.info?.()['apiKey.partner']).toBe('partner-key-0123456789');
  });
});
