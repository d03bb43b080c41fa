import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { consoleLogger, type LocalCloud, startLocalCloud } from '../../../local/cloud';
import type { LocalLogger } from '../../../local/core/types';
import { DEMO_PASSWORD, output, seed } from '../../../seed/demo';
import { E2E_ASSEMBLY } from './global-setup';

/** Dummy credentials: the local cloud does not check signatures. */
export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Where the suite runs: the local cloud (default), or a deployed stage with `DISHPATCH_E2E_TARGET=aws` and
 * `DISHPATCH_OUTPUTS_FILE` (the `cdk deploy --outputs-file` JSON); credentials and region then come from the
 * environment as for any AWS SDK client. The deploy pipeline's smoke test runs the suite that way.
 */
export const E2E_TARGET: 'local' | 'aws' = process.env.DISHPATCH_E2E_TARGET === 'aws' ? 'aws' : 'local';
export const region = E2E_TARGET === 'aws' ? (process.env.AWS_REGION ?? 'us-east-1') : 'us-east-1';

/** Silent unless `E2E_VERBOSE` names a level (`debug` shows the functions' own log lines). */
const testLog = (): LocalLogger => {
  const level = process.env.E2E_VERBOSE;
  if (level) return consoleLogger(level === '1' ? 'error' : level);
  const silent = (): void => {};
  return { debug: silent, info: silent, warn: silent, error: silent };
};

/** A running app on an in-memory local cloud, seeded, reached only through its public endpoints. */
export interface App {
  /** The AWS endpoint of the local cloud; empty against a deployed stage (the SDK's own endpoints). */
  readonly endpoint: string;
  readonly api: string;
  /** The local cloud; undefined against a deployed stage. */
  readonly local: LocalCloud | undefined;
  /** Stack outputs: stack name → key → value. */
  readonly outputs: Record<string, Record<string, string>>;
  /** A stack output by key (UserPoolId, EventBusName, OrdersTableName, ...). */
  out(key: string): string;
  /** SDK client config: the edge endpoint with dummy credentials, or only the region against AWS. */
  readonly clientConfig: { endpoint?: string; region: string; credentials?: typeof credentials };
  /** Signs in through Cognito's API and returns the ID token. */
  token(email: string, password?: string): Promise<string>;
  /** Signs up a new customer through Cognito's API (an admin confirms), signs in, returns the ID token. */
  newCustomer(prefix?: string): Promise<string>;
  /** Calls the REST API; JSON in, parsed JSON out. */
  call(method: string, path: string, opts?: CallOptions): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

export interface CallOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** Sent as is (not JSON-encoded) when a string. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

/** Where the app runs: a fresh in-memory local cloud, or the deployed stage the outputs file names. */
const target = async (timeScale: number) => {
  if (E2E_TARGET === 'aws') {
    const file = process.env.DISHPATCH_OUTPUTS_FILE;
    if (!file) throw new Error('DISHPATCH_E2E_TARGET=aws needs DISHPATCH_OUTPUTS_FILE (cdk deploy --outputs-file)');
    const outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
    return { local: undefined, endpoint: '', outputs, apiUrl: output(outputs, 'ApiUrl'), clientConfig: { region } };
  }
  const local = await startLocalCloud({
    assemblyDir: E2E_ASSEMBLY,
    inMemory: true,
    edgePort: 0,
    apiPort: 0,
    timeScale,
    log: testLog(),
  });
  const clientConfig = { endpoint: local.endpoint, region, credentials };
  return { local, endpoint: local.endpoint, outputs: local.outputs, apiUrl: local.apiUrl, clientConfig };
};

/**
 * Starts the synthesized app in memory on free ports (or reaches the deployed stage, see {@link E2E_TARGET}) and
 * seeds the demo data (idempotent: a deployed stage keeps what is there).
 */
export const startApp = async (opts: { timeScale?: number } = {}): Promise<App> => {
  const { local, endpoint, outputs, apiUrl, clientConfig } = await target(opts.timeScale ?? 1);
  const api = (apiUrl ?? '').replace(/\/$/, '');
  await seed({
    endpoint,
    apiUrl,
    region,
    outputs,
    stage: E2E_TARGET === 'aws' ? (process.env.DISHPATCH_STAGE ?? '') : 'local',
  });
  const cognito = new CognitoIdentityProviderClient(clientConfig);
  const tokens = new Map<string, string>();
  const out = (key: string): string => output(outputs, key);
  const token = async (email: string, password = DEMO_PASSWORD): Promise<string> => {
    const cached = tokens.get(`${email}:${password}`);
    if (cached) return cached;
    const res = await cognito.send(
      new InitiateAuthCommand({
        ClientId: out('UserPoolClientId'),
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const idToken = res.AuthenticationResult?.IdToken;
    if (!idToken) throw new Error(`no ID token for ${email}`);
    tokens.set(`${email}:${password}`, idToken);
    return idToken;
  };
  return {
    endpoint,
    api,
    local,
    outputs,
    out,
    clientConfig,
    token,
    async newCustomer(prefix = 'customer') {
      const email = `${prefix}-${randomUUID()}@dishpatch.example`;
      await cognito.send(
        new SignUpCommand({
          ClientId: out('UserPoolClientId'),
          Username: email,
          Password: DEMO_PASSWORD,
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      );
      await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: out('UserPoolId'), Username: email }));
      return token(email);
    },
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.Authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.rawBody;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const res = await fetch(`${api}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    stop: async () => {
      await local?.stop();
    },
  };
};

/** Polls `probe` until `done` holds or the deadline passes; returns the last value. Never a fixed sleep. */
export const pollUntil = async <T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
};

export const USERS = {
  alice: 'alice@dishpatch.example',
  bob: 'bob@dishpatch.example',
  pizzeriaStaff: 'staff@pizzeria.example',
  sushiStaff: 'staff@sushi.example',
  courier: 'courier@dishpatch.example',
  admin: 'admin@dishpatch.example',
} as const;

export const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
