import { fakeIntegrations, runDefinition } from '../../../../local/stepfunctions';
import { jsonataMachine, machine, pass } from './support';

it('States.TaskFailed catches States.HeartbeatTimeout', async () => {
  const integrations = fakeIntegrations({ 'sqs:sendMessage': () => ({}) });
  const def = machine({
    T: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      HeartbeatSeconds: 1,
      Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'R' }],
      End: true,
    },
    R: pass(),
  });
  const run = await runDefinition(def, {}, { integrations, timeScale: 100 });
  expect(run.status).toBe('SUCCEEDED');
  expect(run.output).toEqual({ Error: 'States.HeartbeatTimeout' });
});
it('distributed map cannot read outer vars', async () => {
  const def = jsonataMachine({
    Set: { Type: 'Pass', Assign: { x: 1 }, Next: 'M' },
    M: {
      Type: 'Map',
      Items: '{% [1] %}',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'R',
        States: { R: { Type: 'Pass', Output: '{% $exists($x) %}', End: true } },
      },
      End: true,
    },
  });
  const run = await runDefinition(def, {});
  expect(run.output).toEqual([false]);
});

import { StepFunctionsService } from '../../../../local/stepfunctions';

it('reserved variable name states rejected', async () => {
  const ctx = {
    region: 'us-east-1',
    accountId: '000000000000',
    endpoint: 'x',
    dataDir: undefined,
    timeScale: 1,
    assemblyDir: undefined,
    apiPort: 0,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  };
  const s = new StepFunctionsService(ctx as never, undefined, { integrations: fakeIntegrations({}) });
  const def = JSON.stringify({
    QueryLanguage: 'JSONata',
    StartAt: 'A',
    States: { A: { Type: 'Pass', Assign: { states: 1 }, End: true } },
  });
  await expect(
    (s.operations.CreateStateMachine as (i: unknown, c: unknown) => Promise<unknown>)(
      { name: 'r', definition: def, roleArn: 'arn:aws:iam::000000000000:role/r' },
      {},
    ),
  ).rejects.toMatchObject({ code: 'InvalidDefinition' });
  await s.stop();
});
