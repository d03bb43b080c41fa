/**
 * `npm run bench -- sfn [--executions N]`: the local Step Functions engine.
 * - state transitions per second for a 10-state JSONPath machine, side by side with `aws-local-stepfunctions`
 *   (same machine, same input, same process, sequential executions);
 * - state transitions per second of the app's OrderLifecycle (synthesized by CDK) with instant fake Lambdas;
 * - memory per 10,000 executions waiting on a task token (heap growth after a full GC).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { localContext } from '../local/core/context';
import {
  type Definition,
  Execution,
  fakeIntegrations,
  StatesError,
  StepFunctionsService,
  type TaskIntegrations,
  TokenRegistry,
} from '../local/stepfunctions';
import { type Figure, report } from './report';

const jsonPathMachine: Definition = {
  StartAt: 'Load',
  States: {
    Load: { Type: 'Pass', Result: { count: 3, items: [1, 2, 3] }, ResultPath: '$.data', Next: 'Shape' },
    Shape: {
      Type: 'Pass',
      Parameters: { 'id.$': '$.id', 'count.$': '$.data.count', 'items.$': '$.data.items' },
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.count', NumericGreaterThan: 2, Next: 'Big' }],
      Default: 'Small',
    },
    Big: { Type: 'Pass', Result: 'big', ResultPath: '$.size', Next: 'Tag' },
    Small: { Type: 'Pass', Result: 'small', ResultPath: '$.size', Next: 'Tag' },
    Tag: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'size.$': '$.size', 'first.$': '$.items[0]' }, Next: 'Keep' },
    Keep: { Type: 'Pass', ResultPath: '$.copy', Next: 'Trim' },
    Trim: { Type: 'Pass', OutputPath: '$.copy', Next: 'Again' },
    Again: { Type: 'Pass', Result: { done: true }, ResultPath: '$.result', Next: 'Verify' },
    Verify: {
      Type: 'Choice',
      Choices: [{ Variable: '$.result.done', BooleanEquals: true, Next: 'Done' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
} as Definition;
const TRANSITIONS_PER_RUN = 10;

const env = (integrations: TaskIntegrations, tokens = new TokenRegistry()) => ({
  integrations,
  tokens,
  timeScale: 10_000,
  region: 'us-east-1',
  accountId: '000000000000',
});

let counter = 0;
const runOurs = async (
  definition: Definition,
  input: unknown,
  integrations: TaskIntegrations,
  tokens?: TokenRegistry,
) => {
  const name = `bench-${counter++}`;
  const execution = new Execution(
    {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:bench:${name}`,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench',
      name,
      roleArn: 'arn:aws:iam::000000000000:role/bench',
      definition,
      input,
      startDate: Date.now(),
      recordHistory: true,
    },
    env(integrations, tokens),
  );
  await execution.run();
  return execution;
};

const timed = async (label: string, runs: number, body: (i: number) => Promise<unknown>): Promise<number> => {
  for (let i = 0; i < Math.min(200, runs); i++) await body(i); // warm-up (JIT, compiled paths)
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await body(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  ${label}: ${runs} executions in ${seconds.toFixed(2)} s`);
  return seconds;
};

type Runner = (i: number) => Promise<unknown>;

const peerRunner = async (): Promise<Runner | undefined> => {
  let StateMachine: new (def: unknown, opts?: unknown) => { run(input: unknown): { result: Promise<unknown> } };
  try {
    ({ StateMachine } = (await import('aws-local-stepfunctions')) as unknown as { StateMachine: typeof StateMachine });
  } catch (e) {
    console.log(`  aws-local-stepfunctions could not be loaded: ${(e as Error).message}`);
    return undefined;
  }
  const machine = new StateMachine(jsonPathMachine, { validationOptions: { checkPaths: false, checkArn: false } });
  const probe = await machine.run({ id: 'x' }).result;
  if (JSON.stringify(probe) !== JSON.stringify({ id: 'x', size: 'big', first: 1, result: { done: true } })) {
    console.log(`  peer gave a different output: ${JSON.stringify(probe)}`);
  }
  return (i) => machine.run({ id: `e${i}` }).result;
};

/**
 * Alternates rounds of both runners (this machine is shared, so load comes and goes) and keeps each side's
 * best round: the figure is what each engine sustains when it has the CPU.
 */
const sideBySide = async (runs: number, ours: Runner, peer: Runner | undefined) => {
  const rounds = 5;
  const perRound = Math.max(1, Math.floor(runs / rounds));
  let bestOurs = 0;
  let bestPeer = 0;
  for (let r = 0; r < rounds; r++) {
    bestOurs = Math.max(bestOurs, (perRound * TRANSITIONS_PER_RUN) / (await timed('local engine', perRound, ours)));
    if (peer)
      bestPeer = Math.max(
        bestPeer,
        (perRound * TRANSITIONS_PER_RUN) / (await timed('aws-local-stepfunctions', perRound, peer)),
      );
  }
  return { ours: bestOurs, peer: peer ? bestPeer : undefined };
};

/** Fake app functions answering instantly; AwaitEvent's token is answered on the next tick. */
const lifecycleIntegrations = (tokens: TokenRegistry): TaskIntegrations =>
  fakeIntegrations({
    'lambda:invoke': (req) => {
      const p = req.parameters as { FunctionName: string; Payload: Record<string, any> };
      const fn = p.FunctionName.split(':').pop();
      if (fn === 'AwaitEvent') {
        const token = p.Payload.taskToken as string;
        setImmediate(function answer() {
          const waiter = tokens.get(token);
          if (waiter) waiter.succeed({ actorId: 'a' });
          else setImmediate(answer);
        });
        return { Payload: null, StatusCode: 200 };
      }
      if (fn === 'RecordStatus') return { Payload: { status: p.Payload.status }, StatusCode: 200 };
      if (!fn) throw new StatesError('Lambda.ResourceNotFoundException', 'no function');
      return { Payload: {}, StatusCode: 200 };
    },
  });

const lifecycleTransitions = async (runs: number): Promise<number | undefined> => {
  let definition: Definition;
  try {
    const { synthWorkflows } = await import('../test/workflows/support/synth-workflows');
    definition = synthWorkflows('dev').orderLifecycle as unknown as Definition;
  } catch (e) {
    console.log(`  the app's lifecycle could not be synthesized: ${(e as Error).message}`);
    return undefined;
  }
  const tokens = new TokenRegistry();
  const integrations = lifecycleIntegrations(tokens);
  const input = {
    orderId: 'o',
    customerId: 'c',
    restaurantId: 'r',
    totalCents: 1,
    currency: 'EUR',
    paymentToken: 'tok_visa',
    reserved: [],
  };
  const probe = await runOurs(definition, input, integrations, tokens);
  const perRun = probe.history.events.filter((e) => e.type.endsWith('StateEntered')).length;
  if (probe.status !== 'SUCCEEDED')
    console.log(`  lifecycle probe ended ${probe.status}: ${probe.error} ${probe.cause}`);
  const seconds = await timed(`OrderLifecycle (${perRun} transitions each)`, runs, () =>
    runOurs(definition, input, integrations, tokens),
  );
  return (runs * perRun) / seconds;
};

const collect = (): void => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
};

/** Heap growth for `count` Standard executions started through the service and parked on a task token. */
const waitingMemory = async (count: number): Promise<{ heapMb: number; rssMb: number }> => {
  const ctx = localContext();
  const service = new StepFunctionsService(ctx, undefined, {
    integrations: fakeIntegrations({ 'sqs:sendMessage': () => ({ MessageId: 'm' }) }),
  });
  const call = (op: string, input: unknown) =>
    (service.operations[op] as (i: unknown, c: unknown) => Promise<any>)(input, {});
  const definition = JSON.stringify({
    QueryLanguage: 'JSONata',
    StartAt: 'Await',
    States: {
      Await: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Arguments: {
          QueueUrl: 'q',
          MessageBody: { orderId: '{% $states.input.orderId %}', token: '{% $states.context.Task.Token %}' },
        },
        TimeoutSeconds: 3600,
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  });
  const { stateMachineArn } = await call('CreateStateMachine', { name: 'waiting', definition, roleArn: 'r' });
  collect();
  const before = process.memoryUsage();
  for (let i = 0; i < count; i++) {
    await call('StartExecution', {
      stateMachineArn,
      name: `order-${i}`,
      input: JSON.stringify({ orderId: `order-${i}` }),
    });
  }
  const deadline = Date.now() + 120_000;
  while (service.tokens.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (service.tokens.size < count) console.log(`  only ${service.tokens.size} of ${count} executions reached the wait`);
  collect();
  const after = process.memoryUsage();
  await service.stop();
  return { heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20, rssMb: (after.rss - before.rss) / 2 ** 20 };
};

/** Runs the suite; `--executions N` sets the executions per throughput figure (default 3000). */
export const run = async (args: string[]): Promise<void> => {
  const at = args.indexOf('--executions');
  const runs = at >= 0 ? Number(args[at + 1]) : 3000;
  const figures: Figure[] = [];
  console.log('JSONPath machine (10 transitions per execution):');
  const noTasks = fakeIntegrations({});
  const { ours, peer } = await sideBySide(
    runs,
    (i) => runOurs(jsonPathMachine, { id: `e${i}` }, noTasks),
    await peerRunner(),
  );
  figures.push({
    name: 'JSONPath machine state transitions',
    value: ours,
    unit: 'transitions/s',
    ...(peer === undefined ? {} : { peer: 'aws-local-stepfunctions 3.0.0', peerValue: peer, ratio: ours / peer }),
  });
  console.log('App workflow:');
  const lifecycle = await lifecycleTransitions(Math.max(100, Math.floor(runs / 5)));
  if (lifecycle !== undefined)
    figures.push({ name: 'OrderLifecycle state transitions (fake Lambdas)', value: lifecycle, unit: 'transitions/s' });
  console.log('Waiting executions:');
  const memory = await waitingMemory(10_000);
  figures.push({ name: 'heap for 10,000 executions waiting on a task token', value: memory.heapMb, unit: 'MB' });
  figures.push({ name: 'RSS growth for 10,000 waiting executions', value: memory.rssMb, unit: 'MB' });
  report('sfn', figures, {
    method:
      'sequential executions in one process, 5 alternating rounds per engine after 200 warm-up runs each, best round kept; our engine records the full history, the peer runs with its default options; memory is heap growth after a forced GC',
  });
};
