/**
 * Test support for protocol tests of local services: an in-memory `Cloud`, and a minimal HTTP server for the AWS
 * JSON protocols (X-Amz-Target) so the real AWS SDK clients can talk to the services. It stands in for the edge
 * server only as far as these tests need (JSON 1.0/1.1, AWS-shaped errors with the query error header).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from '../../../local/core/errors';
import type { Cloud, LocalContext, Service, ServiceFactory } from '../../../local/core/types';

export interface TestCloud extends Cloud {
  readonly url: string;
  /** Adds a service under its name (fakes included). */
  add(service: Service): Service;
  close(): Promise<void>;
}

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Starts the HTTP wrapper on a free port, then a cloud whose endpoint is that server. */
export const startTestCloud = async (options: { timeScale?: number; dataDir?: string } = {}): Promise<TestCloud> => {
  const services = new Map<string, Service>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const [prefix, operation] = String(req.headers['x-amz-target'] ?? '').split('.');
      const service = [...services.values()].find((s) => s.targetPrefix === prefix);
      const contentType = service?.protocol === 'json1.1' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
      try {
        const op = operation ? service?.operations[operation] : undefined;
        if (!op) throw new AwsError('UnknownOperationException', `Unknown operation ${prefix}.${operation}`);
        const text = Buffer.concat(chunks).toString('utf8');
        const output = await op(text ? JSON.parse(text) : {}, {
          requestId: 'test',
          caller: 'edge',
          http: { headers: req.headers as Record<string, string>, host: req.headers.host },
        });
        res.writeHead(200, { 'content-type': contentType });
        res.end(JSON.stringify(output ?? {}));
      } catch (e) {
        const err = e instanceof AwsError ? e : new AwsError('InternalFailure', String(e), 500, false);
        res.writeHead(err.status, {
          'content-type': contentType,
          'x-amzn-query-error': `${err.queryCode ?? err.code};${err.senderFault ? 'Sender' : 'Receiver'}`,
        });
        res.end(JSON.stringify({ __type: err.code, message: err.message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx: LocalContext = {
    region: 'us-east-1',
    accountId: '000000000000',
    endpoint: url,
    dataDir: options.dataDir,
    timeScale: options.timeScale ?? 1,
    assemblyDir: undefined,
    apiPort: 0,
    log: quietLog,
  };
  const cloud: TestCloud = {
    ctx,
    url,
    async call(name, operation, input, caller = 'test') {
      const op = services.get(name)?.operations[operation];
      if (!op) throw new AwsError('UnknownService', `No service ${name} with ${operation}`, 400);
      return op(input, { requestId: 'in-process', caller });
    },
    service(name) {
      const service = services.get(name);
      if (!service) throw new Error(`No service ${name}`);
      return service;
    },
    add(service) {
      services.set(service.name, service);
      return service;
    },
    async close() {
      for (const service of services.values()) await service.stop?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return cloud;
};

/** Creates a service from its factory on the cloud and registers it. */
export const addService = async (cloud: TestCloud, factory: ServiceFactory): Promise<Service> => {
  const service = await factory(cloud.ctx, cloud);
  cloud.add(service);
  await service.start?.();
  return service;
};

/** Client settings for the real AWS SDK against the test server. */
export const clientConfig = (cloud: TestCloud) => ({
  endpoint: cloud.url,
  region: cloud.ctx.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** Polls `probe` until it returns a defined value or the deadline passes. */
export const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 10));
  }
};
