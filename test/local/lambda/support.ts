/**
 * Test support for the local services of this folder and its siblings (cognito, sns, cloudwatch): a Cloud that
 * routes `call` to registered services, a context, the real edge on a free port, resource builders, and polling.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { localContext, quietLog } from '../../../local/core/context';
import type { Cloud, LocalContext, ResolvedResource, Service, ServiceFactory } from '../../../local/core/types';
import { startEdge } from '../../../local/edge';

export const silentLog = quietLog;

export const testContext = (overrides: Partial<LocalContext> = {}): LocalContext => localContext(overrides);

/** A Cloud holding services by name; records every cross-service call for assertions. */
export class TestCloud implements Cloud {
  readonly services = new Map<string, Service>();
  readonly calls: { service: string; operation: string; input: any; caller?: string }[] = [];

  constructor(public ctx: LocalContext) {}

  async add(factory: ServiceFactory): Promise<Service> {
    const service = await factory(this.ctx, this);
    this.services.set(service.name, service);
    return service;
  }

  register(service: Service): void {
    this.services.set(service.name, service);
  }

  service(name: string): Service {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  async call<T = any>(service: string, operation: string, input: unknown, caller?: string): Promise<T> {
    this.calls.push({ service, operation, input, caller });
    const op = this.service(service).operations[operation];
    if (!op) throw new Error(`${service} has no operation ${operation}`);
    return op(input, { requestId: randomUUID(), caller: caller ?? 'test' });
  }

  callsTo(service: string, operation: string): any[] {
    return this.calls.filter((c) => c.service === service && c.operation === operation).map((c) => c.input);
  }
}

/** Start the real edge server on a free port in front of the cloud's services (a getter follows a replaced cloud). */
export const startTestEdge = async (cloud: TestCloud | (() => TestCloud)) => {
  const current = typeof cloud === 'function' ? cloud : () => cloud;
  return startEdge({ services: () => [...current().services.values()], log: silentLog, port: 0 });
};

/** The client settings of an AWS SDK client pointed at a test edge. */
export interface EdgeClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/**
 * An AWS SDK client against a test edge in front of `cloud`, for the enclosing `describe`: the edge starts and the
 * client is made in `beforeAll`, both are closed in `afterAll`. Read `.client` (and `.edge`) inside the tests.
 */
export const sdkOverEdge = <C extends { destroy(): void }>(
  cloud: () => TestCloud,
  makeClient: (config: EdgeClientConfig) => C,
): { client: C; edge: Awaited<ReturnType<typeof startTestEdge>> } => {
  const handle = {} as { client: C; edge: Awaited<ReturnType<typeof startTestEdge>> };
  beforeAll(async () => {
    handle.edge = await startTestEdge(cloud);
    handle.client = makeClient({
      endpoint: handle.edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    handle.client?.destroy();
    await handle.edge?.close();
  });
  return handle;
};

export const resource = (
  type: string,
  logicalId: string,
  properties: Record<string, any>,
  physicalId: string,
  attributes: Record<string, string> = {},
  extra: Partial<ResolvedResource> = {},
): ResolvedResource => ({ type, logicalId, properties, physicalId, attributes, ...extra });

/** Poll until `check` returns a value (not undefined/false) or the deadline passes. */
export const eventually = async <T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
};

/** Whether the AWS CLI is on PATH (CLI protocol tests are skipped without it). */
const cliVersion = spawnSync('aws', ['--version'], { encoding: 'utf8' });
export const awsCliAvailable = cliVersion.status === 0;
/** AWS CLI v2 needs `--cli-binary-format raw-in-base64-out` to send a JSON payload as is. */
export const rawPayloadArgs = /aws-cli\/2/.test(`${cliVersion.stdout}${cliVersion.stderr}`)
  ? ['--cli-binary-format', 'raw-in-base64-out']
  : [];

/** Run the AWS CLI (asynchronously: the edge answers in this process) against a local endpoint, dummy credentials. */
export const awsCli = (
  endpoint: string,
  args: string[],
): Promise<{ status: number | null; json: any; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, '--output', 'json', ...args],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
      (error, stdout, stderr) => {
        const out = stdout.trim();
        resolve({
          status: error ? ((error as { code?: number }).code ?? 1) : 0,
          json: out ? JSON.parse(out) : undefined,
          stderr,
        });
      },
    );
  });
