/**
 * Test support for protocol tests of local services: an in-memory `Cloud` behind the real edge server
 * (`local/edge`), so the real AWS SDK clients talk to the services over HTTP exactly as they do in `npm start`.
 */
import { localContext, quietLog } from '../../../local/core/context';
import { AwsError } from '../../../local/core/errors';
import type { Cloud, LocalContext, Service, ServiceFactory } from '../../../local/core/types';
import { startEdge } from '../../../local/edge';

export interface TestCloud extends Cloud {
  readonly url: string;
  /** Adds a service under its name (fakes included). */
  add(service: Service): Service;
  close(): Promise<void>;
}

/** Starts the edge on a free port, then a cloud whose endpoint is that edge. */
export const startTestCloud = async (options: { timeScale?: number; dataDir?: string } = {}): Promise<TestCloud> => {
  const services = new Map<string, Service>();
  const edge = await startEdge({ services: () => [...services.values()], log: quietLog, port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${edge.port}`;
  const ctx: LocalContext = localContext({
    endpoint: url,
    dataDir: options.dataDir,
    timeScale: options.timeScale ?? 1,
  });
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
      await edge.close();
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

/** Client settings for the real AWS SDK against the edge of a test cloud. */
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
