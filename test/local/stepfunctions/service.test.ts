/**
 * The Step Functions API operations (API Reference) on the local service, called directly (no HTTP), with
 * fake task integrations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localContext } from '../../../local/core/context';
import type { LocalContext } from '../../../local/core/types';
import { fakeIntegrations, StepFunctionsService, type TaskIntegrations } from '../../../local/stepfunctions';

const context = (dataDir?: string, timeScale = 100): LocalContext => localContext({ dataDir, timeScale });
const call = (s: StepFunctionsService, op: string, input: unknown) =>
  (s.operations[op] as (i: unknown, c: unknown) => Promise<any>)(input, { requestId: 'r', caller: 'test' });

const eventually = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met before the deadline: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const rejectsWith = async (p: Promise<unknown>, code: string) => {
  await expect(p).rejects.toMatchObject({ code });
};

const callbackMachine = JSON.stringify({
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token' } },
      TimeoutSeconds: 300,
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
});

/** Integrations that remember the last task token sent to the fake queue. */
const tokenCatcher = (): { integrations: TaskIntegrations; tokens: string[] } => {
  const tokens: string[] = [];
  return {
    tokens,
    integrations: fakeIntegrations({
      'sqs:sendMessage': (req) => {
        tokens.push((req.parameters as { MessageBody: { token: string } }).MessageBody.token);
        return { MessageId: String(tokens.length) };
      },
    }),
  };
};

const passMachine = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { ok: true }, End: true } } });

describe('state machines and executions', () => {
  let service: StepFunctionsService;
  let caught: ReturnType<typeof tokenCatcher>;
  beforeEach(() => {
    caught = tokenCatcher();
    service = new StepFunctionsService(context(), undefined, { integrations: caught.integrations });
  });
  afterEach(() => service.stop());

  it('runs a Standard execution to SUCCEEDED and describes it', async () => {
    // Prepare
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'm',
      definition: passMachine,
      roleArn: 'r',
    });
    // Act
    const { executionArn } = await call(service, 'StartExecution', { stateMachineArn, input: '{"a":1}' });
    const described = await eventually(
      () => call(service, 'DescribeExecution', { executionArn }),
      (d) => d.status !== 'RUNNING',
    );
    // Assess
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}', input: '{"a":1}', stateMachineArn });
    // As recorded on AWS (test_describe_execution).
    expect(described).toMatchObject({
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
  });

  it('rejects an invalid definition with InvalidDefinition', async () => {
    const definition = JSON.stringify({ StartAt: 'Nope', States: { P: { Type: 'Pass', End: true } } });
    await rejectsWith(
      call(service, 'CreateStateMachine', { name: 'bad', definition, roleArn: 'r' }),
      'InvalidDefinition',
    );
  });

  it.each([
    [
      'a JSONata Assign',
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Assign: { states: 1 }, End: true } } },
    ],
    ['a JSONPath Assign', { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { 'states.$': '$' }, End: true } } }],
    [
      'a Choice rule Assign',
      {
        QueryLanguage: 'JSONata',
        StartAt: 'C',
        States: {
          C: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Assign: { states: 1 }, Next: 'D' }] },
          D: { Type: 'Succeed' },
        },
      },
    ],
  ])('rejects %s of the reserved variable name "states" (Developer Guide, variables)', async (_where, def) => {
    await rejectsWith(
      call(service, 'CreateStateMachine', { name: 'reserved', definition: JSON.stringify(def), roleArn: 'r' }),
      'InvalidDefinition',
    );
  });

  it('treats the same name and input of a running execution as the same execution, anything else as taken', async () => {
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'cb',
      definition: callbackMachine,
      roleArn: 'r',
    });
    const first = await call(service, 'StartExecution', { stateMachineArn, name: 'order-1', input: '{}' });
    const again = await call(service, 'StartExecution', { stateMachineArn, name: 'order-1', input: '{}' });
    expect(again.executionArn).toBe(first.executionArn);
    await rejectsWith(
      call(service, 'StartExecution', { stateMachineArn, name: 'order-1', input: '{"x":1}' }),
      'ExecutionAlreadyExists',
    );
  });

  it('allows the same name for every synchronous Express execution', async () => {
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'sync',
      definition: passMachine,
      roleArn: 'r',
      type: 'EXPRESS',
    });
    const a = await call(service, 'StartSyncExecution', { stateMachineArn, name: 'same', input: '{}' });
    const b = await call(service, 'StartSyncExecution', { stateMachineArn, name: 'same', input: '{}' });
    expect(a).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":true}',
      name: 'same',
      billingDetails: expect.any(Object),
    });
    expect(b.status).toBe('SUCCEEDED');
    expect(a.executionArn).toContain(':express:sync:same:');
    await rejectsWith(call(service, 'DescribeExecution', { executionArn: a.executionArn }), 'InvalidArn');
    await rejectsWith(call(service, 'ListExecutions', { stateMachineArn }), 'StateMachineTypeNotSupported');
  });

  it('reports an Express failure as FAILED with error and cause', async () => {
    const definition = JSON.stringify({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'why' } } });
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'f',
      definition,
      roleArn: 'r',
      type: 'EXPRESS',
    });
    const out = await call(service, 'StartSyncExecution', { stateMachineArn });
    expect(out).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'why' });
    expect(out.output).toBeUndefined();
  });

  it('resumes a waiting task on SendTaskSuccess and refuses the token afterwards', async () => {
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'cb',
      definition: callbackMachine,
      roleArn: 'r',
    });
    const { executionArn } = await call(service, 'StartExecution', { stateMachineArn, input: '{}' });
    await eventually(
      async () => caught.tokens.length,
      (n) => n === 1,
    );
    const token = caught.tokens[0] as string;
    await call(service, 'SendTaskSuccess', { taskToken: token, output: '{"accepted":true}' });
    const d = await eventually(
      () => call(service, 'DescribeExecution', { executionArn }),
      (x) => x.status !== 'RUNNING',
    );
    expect(d.output).toBe('{"accepted":true}');
    await rejectsWith(call(service, 'SendTaskSuccess', { taskToken: token, output: '{}' }), 'TaskDoesNotExist');
    await rejectsWith(call(service, 'SendTaskSuccess', { taskToken: 'garbage', output: '{}' }), 'InvalidToken');
  });

  it('answers TaskTimedOut for a token whose task timed out', async () => {
    const definition = callbackMachine.replace('"TimeoutSeconds":300', '"TimeoutSeconds":1');
    const { stateMachineArn } = await call(service, 'CreateStateMachine', { name: 't', definition, roleArn: 'r' });
    const { executionArn } = await call(service, 'StartExecution', { stateMachineArn });
    const d = await eventually(
      () => call(service, 'DescribeExecution', { executionArn }),
      (x) => x.status !== 'RUNNING',
    );
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    await rejectsWith(call(service, 'SendTaskHeartbeat', { taskToken: caught.tokens[0] }), 'TaskTimedOut');
  });

  it('refuses an input or a task output over 262144 characters with ValidationException (API Reference)', async () => {
    // Prepare
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'big',
      definition: callbackMachine,
      roleArn: 'r',
    });
    const big = JSON.stringify({ pad: 'x'.repeat(262_144) });
    // Act + Assess: the start is refused and no execution exists.
    await rejectsWith(
      call(service, 'StartExecution', { stateMachineArn, name: 'big', input: big }),
      'ValidationException',
    );
    expect((await call(service, 'ListExecutions', { stateMachineArn })).executions).toEqual([]);
    // Act + Assess: an oversized answer is refused and the task keeps waiting for a valid one.
    const { executionArn } = await call(service, 'StartExecution', { stateMachineArn, input: '{}' });
    await eventually(
      async () => caught.tokens.length,
      (n) => n === 1,
    );
    const taskToken = caught.tokens[0];
    await rejectsWith(call(service, 'SendTaskSuccess', { taskToken, output: big }), 'ValidationException');
    await call(service, 'SendTaskSuccess', { taskToken, output: '{"ok":true}' });
    const d = await eventually(
      () => call(service, 'DescribeExecution', { executionArn }),
      (x) => x.status !== 'RUNNING',
    );
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
  });

  it('answers bad list and update parameters as AWS does (recorded: test_sfn_api)', async () => {
    // Prepare
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'v',
      definition: passMachine,
      roleArn: 'r',
    });
    // Act + Assess: the API's validation layer...
    await rejectsWith(
      call(service, 'ListExecutions', { stateMachineArn, statusFilter: 'succeeded' }),
      'ValidationException',
    );
    await rejectsWith(call(service, 'ListExecutions', { stateMachineArn, maxResults: 1001 }), 'ValidationException');
    await rejectsWith(call(service, 'ListStateMachines', { maxResults: 1001 }), 'ValidationException');
    await rejectsWith(call(service, 'ListStateMachines', { nextToken: 'x'.repeat(1025) }), 'ValidationException');
    await rejectsWith(
      call(service, 'ListExecutions', { stateMachineArn, nextToken: 'x'.repeat(3097) }),
      'ValidationException',
    );
    // ...an update that changes nothing, and an ARN that is not one.
    await rejectsWith(call(service, 'UpdateStateMachine', { stateMachineArn }), 'MissingRequiredParameter');
    await expect(call(service, 'DescribeStateMachine', { stateMachineArn: 'not_a_valid_arn' })).rejects.toMatchObject({
      code: 'InvalidArn',
      message: "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'",
    });
    await expect(call(service, 'StartExecution', { stateMachineArn, input: '' })).rejects.toMatchObject({
      code: 'InvalidExecutionInput',
      message: "Invalid State Machine Execution Input: 'Invalid execution input.'",
    });
    // A valid update answers a revision id; listed executions carry their redrive count.
    expect(await call(service, 'UpdateStateMachine', { stateMachineArn, roleArn: 'r2' })).toEqual({
      updateDate: expect.any(Number),
      revisionId: expect.any(String),
    });
    await call(service, 'StartExecution', { stateMachineArn, input: '1' });
    const listed = await eventually(
      () => call(service, 'ListExecutions', { stateMachineArn, statusFilter: 'SUCCEEDED' }),
      (l) => l.executions.length === 1,
    );
    expect(listed.executions[0]).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0 });
  });

  it('stops a running execution as ABORTED', async () => {
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'cb',
      definition: callbackMachine,
      roleArn: 'r',
    });
    const { executionArn } = await call(service, 'StartExecution', { stateMachineArn });
    await eventually(
      async () => caught.tokens.length,
      (n) => n === 1,
    );
    await call(service, 'StopExecution', { executionArn, error: 'Cancelled', cause: 'by test' });
    const d = await eventually(
      () => call(service, 'DescribeExecution', { executionArn }),
      (x) => x.status !== 'RUNNING',
    );
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Cancelled' });
    const h = await call(service, 'GetExecutionHistory', { executionArn, reverseOrder: true, maxResults: 1 });
    expect(h.events[0].type).toBe('ExecutionAborted');
    expect(h.nextToken).toBeDefined();
  });

  it('lists executions newest first with a status filter and pagination', async () => {
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'm',
      definition: passMachine,
      roleArn: 'r',
    });
    for (const name of ['a', 'b', 'c']) await call(service, 'StartExecution', { stateMachineArn, name });
    await eventually(
      () => call(service, 'ListExecutions', { stateMachineArn, statusFilter: 'SUCCEEDED' }),
      (l) => l.executions.length === 3,
    );
    const first = await call(service, 'ListExecutions', { stateMachineArn, maxResults: 2 });
    const second = await call(service, 'ListExecutions', {
      stateMachineArn,
      maxResults: 2,
      nextToken: first.nextToken,
    });
    expect(first.executions).toHaveLength(2);
    expect(second.executions).toHaveLength(1);
    expect(second.nextToken).toBeUndefined();
  });

  it('describes the machine an execution ran, even after an update', async () => {
    const { stateMachineArn } = await call(service, 'CreateStateMachine', {
      name: 'm',
      definition: passMachine,
      roleArn: 'r',
    });
    const { executionArn } = await call(service, 'StartExecution', { stateMachineArn });
    const changed = passMachine.replace('"ok":true', '"ok":false');
    await call(service, 'UpdateStateMachine', { stateMachineArn, definition: changed });
    const forExecution = await call(service, 'DescribeStateMachineForExecution', { executionArn });
    expect(forExecution.definition).toBe(passMachine);
    expect((await call(service, 'DescribeStateMachine', { stateMachineArn })).definition).toBe(changed);
  });

  it('provisions machines from resolved template resources', async () => {
    await service.provision?.([
      {
        logicalId: 'Flow',
        type: 'AWS::StepFunctions::StateMachine',
        physicalId: 'arn:aws:states:us-east-1:000000000000:stateMachine:Flow',
        attributes: {},
        properties: {
          DefinitionString: passMachine,
          StateMachineType: 'EXPRESS',
          StateMachineName: 'Flow',
          RoleArn: 'r',
        },
      },
    ]);
    const list = await call(service, 'ListStateMachines', {});
    expect(list.stateMachines).toEqual([expect.objectContaining({ name: 'Flow', type: 'EXPRESS' })]);
  });

  it('provisions activities from resolved template resources (AWS::StepFunctions::Activity)', async () => {
    const activityArn = 'arn:aws:states:us-east-1:000000000000:activity:Packing';
    await service.provision?.([
      {
        logicalId: 'Pack',
        type: 'AWS::StepFunctions::Activity',
        physicalId: activityArn,
        attributes: { Arn: activityArn, Name: 'Packing' },
        properties: { Name: 'Packing' },
      },
    ]);
    expect(await call(service, 'DescribeActivity', { activityArn })).toMatchObject({ activityArn, name: 'Packing' });
  });
});

describe('durability (executions persist under dataDir and resume after a restart)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sfn-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts SendTaskSuccess for a token issued before the restart', async () => {
    // Prepare: an execution waiting on a task token, then the process "stops".
    const caught = tokenCatcher();
    const before = new StepFunctionsService(context(dir), undefined, { integrations: caught.integrations });
    const { stateMachineArn } = await call(before, 'CreateStateMachine', {
      name: 'cb',
      definition: callbackMachine,
      roleArn: 'r',
    });
    const { executionArn } = await call(before, 'StartExecution', { stateMachineArn, input: '{"n":1}' });
    await eventually(
      () => call(before, 'GetExecutionHistory', { executionArn }),
      (h) => h.events.some((e: { type: string }) => e.type === 'TaskSubmitted'),
    );
    await before.stop();
    // Act: a new process on the same folder.
    const after = new StepFunctionsService(context(dir), undefined, { integrations: tokenCatcher().integrations });
    try {
      await after.start();
      await call(after, 'SendTaskSuccess', { taskToken: caught.tokens[0], output: '{"done":1}' });
      // Assess
      const d = await eventually(
        () => call(after, 'DescribeExecution', { executionArn }),
        (x) => x.status !== 'RUNNING',
      );
      expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"done":1}' });
      const { events } = await call(after, 'GetExecutionHistory', { executionArn });
      expect(events.map((e: { id: number }) => e.id)).toEqual(events.map((_: unknown, i: number) => i + 1));
      expect(events.filter((e: { type: string }) => e.type === 'TaskSubmitted')).toHaveLength(1);
    } finally {
      await after.stop();
    }
  });

  it('resumes the branches of a Parallel and the iterations of a Map inside it with their tokens', async () => {
    // Prepare: three tasks waiting on tokens, two in Map iterations nested in a Parallel branch.
    const ask = (body: Record<string, unknown>, next?: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token', ...body } },
      ...(next ? { Next: next } : { End: true }),
    });
    const definition = JSON.stringify({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'Prepare', States: { Prepare: { Type: 'Pass', Next: 'AskA' }, AskA: ask({ who: 'a' }) } },
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemsPath: '$.items',
                  ItemProcessor: { StartAt: 'AskItem', States: { AskItem: ask({ 'item.$': '$' }) } },
                  End: true,
                },
              },
            },
          ],
        },
      },
    });
    type Body = { token: string; who?: string; item?: number };
    const bodies: Body[] = [];
    const catcher = fakeIntegrations({
      'sqs:sendMessage': (req) => {
        bodies.push((req.parameters as { MessageBody: Body }).MessageBody);
        return { MessageId: String(bodies.length) };
      },
    });
    // Each task is answered with what it asked, so the output shows which answer reached which task.
    const answer = async (service: StepFunctionsService, asked: Body[]) => {
      for (const { token, ...rest } of asked) {
        await call(service, 'SendTaskSuccess', { taskToken: token, output: JSON.stringify({ answered: rest }) });
      }
    };
    const run = async (restart: boolean) => {
      const folder = mkdtempSync(join(tmpdir(), 'sfn-'));
      bodies.length = 0;
      let service = new StepFunctionsService(context(folder), undefined, { integrations: catcher });
      try {
        const { stateMachineArn } = await call(service, 'CreateStateMachine', {
          name: 'fan',
          definition,
          roleArn: 'r',
        });
        const { executionArn } = await call(service, 'StartExecution', {
          stateMachineArn,
          input: '{"items":[1,2]}',
        });
        await eventually(
          () => call(service, 'GetExecutionHistory', { executionArn }),
          (h) => h.events.filter((e: { type: string }) => e.type === 'TaskSubmitted').length === 3,
        );
        if (restart) {
          await service.stop();
          service = new StepFunctionsService(context(folder), undefined, { integrations: catcher });
          await service.start();
        }
        await answer(service, [...bodies].reverse());
        const d = await eventually(
          () => call(service, 'DescribeExecution', { executionArn }),
          (x) => x.status !== 'RUNNING',
        );
        const { events } = await call(service, 'GetExecutionHistory', { executionArn });
        return { d, events: events as { id: number; type: string }[], sent: bodies.length };
      } finally {
        await service.stop();
        rmSync(folder, { recursive: true, force: true });
      }
    };
    // Act
    const uninterrupted = await run(false);
    const restarted = await run(true);
    // Assess: same outcome, nothing sent twice, and the same events (no state of a branch entered again).
    expect(restarted.d.status).toBe('SUCCEEDED');
    expect(JSON.parse(restarted.d.output)).toEqual([
      { answered: { who: 'a' } },
      [{ answered: { item: 1 } }, { answered: { item: 2 } }],
    ]);
    expect(restarted.d.output).toBe(uninterrupted.d.output);
    expect(restarted.sent).toBe(3);
    expect(restarted.events.map((e) => e.id)).toEqual(restarted.events.map((_, i) => i + 1));
    const types = (events: { type: string }[]) => events.map((e) => e.type).sort();
    expect(types(restarted.events)).toEqual(types(uninterrupted.events));
  });

  it('queues an activity task again after a restart, with the same token, and records it once', async () => {
    // Prepare: an execution whose activity task no worker has taken yet, then the process "stops".
    const before = new StepFunctionsService(context(dir), undefined, { integrations: fakeIntegrations({}) });
    const { activityArn } = await call(before, 'CreateActivity', { name: 'pack' });
    const definition = JSON.stringify({
      StartAt: 'Pack',
      States: { Pack: { Type: 'Task', Resource: activityArn, End: true } },
    });
    const { stateMachineArn } = await call(before, 'CreateStateMachine', { name: 'act', definition, roleArn: 'r' });
    const { executionArn } = await call(before, 'StartExecution', { stateMachineArn, input: '{"box":1}' });
    await eventually(
      () => call(before, 'GetExecutionHistory', { executionArn }),
      (h) => h.events.some((e: { type: string }) => e.type === 'ActivityScheduled'),
    );
    await before.stop();
    // Act: a new process on the same folder; a worker polls it.
    const after = new StepFunctionsService(context(dir), undefined, { integrations: fakeIntegrations({}) });
    try {
      await after.start();
      const task = await call(after, 'GetActivityTask', { activityArn, workerName: 'w' });
      await call(after, 'SendTaskSuccess', { taskToken: task.taskToken, output: '{"packed":1}' });
      // Assess
      expect(JSON.parse(task.input)).toEqual({ box: 1 });
      const d = await eventually(
        () => call(after, 'DescribeExecution', { executionArn }),
        (x) => x.status !== 'RUNNING',
      );
      expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"packed":1}' });
      const { events } = await call(after, 'GetExecutionHistory', { executionArn });
      expect(events.map((e: { type: string }) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
    } finally {
      await after.stop();
    }
  });

  it('re-arms a Wait state after a restart', async () => {
    const definition = JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 20, End: true } } });
    const before = new StepFunctionsService(context(dir, 100), undefined, { integrations: fakeIntegrations({}) });
    const { stateMachineArn } = await call(before, 'CreateStateMachine', { name: 'w', definition, roleArn: 'r' });
    const { executionArn } = await call(before, 'StartExecution', { stateMachineArn });
    await eventually(
      () => call(before, 'GetExecutionHistory', { executionArn }),
      (h) => h.events.some((e: { type: string }) => e.type === 'WaitStateEntered'),
    );
    await before.stop();
    const after = new StepFunctionsService(context(dir, 100), undefined, { integrations: fakeIntegrations({}) });
    try {
      await after.start();
      const d = await eventually(
        () => call(after, 'DescribeExecution', { executionArn }),
        (x) => x.status !== 'RUNNING',
      );
      expect(d.status).toBe('SUCCEEDED');
      const { events } = await call(after, 'GetExecutionHistory', { executionArn });
      expect(events.map((e: { type: string }) => e.type)).toEqual([
        'ExecutionStarted',
        'WaitStateEntered',
        'WaitStateExited',
        'ExecutionSucceeded',
      ]);
    } finally {
      await after.stop();
    }
  });
});
