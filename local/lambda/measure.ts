import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { localContext } from '../core/context.ts';
import type { Cloud, Service } from '../core/types.ts';
import type { LambdaService } from './index.ts';

/** Cold start and warm throughput of one function, as measured through the Lambda service's Invoke. */
export interface LambdaFigures {
  readonly functionName: string;
  /** Median time of a first invocation in a new environment (process start, module load, handler). */
  readonly coldStartMs: number;
  /** Sequential warm invocations per second on one environment. */
  readonly warmPerSecond: number;
  /** Median latency of a warm invocation. */
  readonly warmP50Ms: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * Measure a function of a running local cloud: `coldRuns` invocations each in a fresh environment, then
 * `warmRuns` sequential invocations on a warm one. The payload should make the function succeed quickly.
 */
export const measureLambda = async (
  cloud: Cloud,
  functionName: string,
  payload = '{}',
  coldRuns = 5,
  warmRuns = 200,
): Promise<LambdaFigures> => {
  const lambda = cloud.service('lambda') as LambdaService;
  const invoke = async () => {
    const answer = await cloud.call('lambda', 'Invoke', { FunctionName: functionName, Payload: payload }, 'bench');
    // A failing function measures its failure path (and an init failure a cold start every time): refuse.
    if (answer.FunctionError) throw new Error(`${functionName} failed, nothing to measure: ${answer.Payload}`);
  };
  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    lambda.discardEnvironments(functionName);
    const started = performance.now();
    await invoke();
    cold.push(performance.now() - started);
  }
  const warm: number[] = [];
  const startedWarm = performance.now();
  for (let i = 0; i < warmRuns; i++) {
    const started = performance.now();
    await invoke();
    warm.push(performance.now() - started);
  }
  const elapsed = performance.now() - startedWarm;
  return {
    functionName,
    coldStartMs: median(cold),
    warmPerSecond: (warmRuns / elapsed) * 1000,
    warmP50Ms: median(warm),
  };
};

/**
 * `npx tsx local/lambda/measure.ts [assetDir] [handler] [payload]`: measure one function folder on a bare Lambda
 * service (default: the ESM test fixture), and print the figures as JSON.
 */
const main = async (): Promise<void> => {
  const [
    assetDir = path.join(__dirname, '../../test/local/lambda/fixtures/esm'),
    handler = 'index.handler',
    payload = '{}',
  ] = process.argv.slice(2);
  const ctx = localContext();
  const services = new Map<string, Service>();
  const cloud: Cloud = {
    ctx,
    service: (name) => {
      const service = services.get(name);
      if (!service) throw new Error(`no ${name} service`);
      return service;
    },
    call: async (name, operation, input) => {
      const op = cloud.service(name).operations[operation];
      if (!op) throw new Error(`no ${name}.${operation}`);
      return op(input, { requestId: randomUUID(), caller: 'measure' });
    },
  };
  const { createLambdaService } = await import('./index.ts');
  const lambda = await createLambdaService(ctx, cloud);
  services.set('lambda', lambda);
  await lambda.provision?.([
    {
      logicalId: 'Measured',
      type: 'AWS::Lambda::Function',
      properties: { Handler: handler, Runtime: 'nodejs22.x', Code: {}, Timeout: 30, MemorySize: 512 },
      physicalId: 'measured',
      attributes: {},
      assetPath: path.resolve(assetDir),
    },
  ]);
  try {
    console.log(JSON.stringify(await measureLambda(cloud, 'measured', payload, 7, 1000)));
  } finally {
    await lambda.stop?.();
  }
};

if (require.main === module) void main();
