import type { Cloud } from '../core/types.ts';
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
  const invoke = () => cloud.call('lambda', 'Invoke', { FunctionName: functionName, Payload: payload }, 'bench');
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
