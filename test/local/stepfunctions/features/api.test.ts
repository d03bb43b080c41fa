/**
 * The Step Functions API through the real `@aws-sdk/client-sfn`. Sources: API Reference StartExecution
 * (idempotency of names), StartSyncExecution, GetExecutionHistory (HistoryEvent ids, reverseOrder,
 * pagination), ListExecutions (statusFilter, pagination), StopExecution and SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat (their error codes). What sdk.test.ts and service.test.ts already check is not repeated.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import {
  callbackTask,
  eventually,
  ROLE,
  type SdkHarness,
  startSdkHarness,
  tokenCatcher,
  waitingToken,
} from './support';

const caught = tokenCatcher();
let h: SdkHarness;
let seq = 0;

beforeAll(async () => {
  h = await startSdkHarness(caught.integrations, 100);
});
afterAll(async () => {
  await h.close();
});

/** Creates a machine with a unique name and returns its ARN. */
const create = async (definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): Promise<string> => {
  const out = await h.client.send(
    new CreateStateMachineCommand({
      name: `api-${++seq}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
      type,
    }),
  );
  return out.stateMachineArn as string;
};

const finished = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
  eventually(
    () => h.client.send(new DescribeExecutionCommand({ executionArn })),
    (d) => d.status !== 'RUNNING',
  );

/** Waits until the execution's callback task has sent its token (the one after `before`), and returns it. */
const tokenOf = (before: number): Promise<string> => waitingToken(caught, h.service.tokens, before);

const callback = (extra: Record<string, unknown> = {}) => ({ StartAt: 'Ask', States: { Ask: callbackTask(extra) } });

const passes = (n: number) => ({
  StartAt: 'S0',
  States: Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `S${i}`,
      i === n - 1 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `S${i + 1}` },
    ]),
  ),
});

describe('API Reference StartExecution: execution names (STANDARD is idempotent, EXPRESS is not)', () => {
  it('returns the same execution for the same name and input while it runs', async () => {
    const stateMachineArn = await create(callback());
    const before = caught.tokens.length;
    const first = await h.client.send(new StartExecutionCommand({ stateMachineArn, name: 'same', input: '{"a":1}' }));
    const again = await h.client.send(new StartExecutionCommand({ stateMachineArn, name: 'same', input: '{"a":1}' }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    // Only one execution runs: one token, and answering it ends the execution.
    const token = await tokenOf(before);
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    expect((await finished(first.executionArn as string)).status).toBe('SUCCEEDED');
    expect(caught.tokens.length).toBe(before + 1);
  });

  it('answers ExecutionAlreadyExists for the same name once the execution is closed, even with the same input', async () => {
    const stateMachineArn = await create(passes(1));
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{}' }),
    );
    await finished(executionArn as string);
    await expect(
      h.client.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('starts a new EXPRESS execution every time, even with the same name', async () => {
    const stateMachineArn = await create(passes(1), 'EXPRESS');
    const a = await h.client.send(new StartExecutionCommand({ stateMachineArn, name: 'reused', input: '{}' }));
    const b = await h.client.send(new StartExecutionCommand({ stateMachineArn, name: 'reused', input: '{"x":1}' }));
    expect(a.executionArn).not.toBe(b.executionArn);
    expect(a.executionArn).toContain(':express:');
  });

  it('does not describe an EXPRESS execution or list its history ("not supported by EXPRESS state machines")', async () => {
    const stateMachineArn = await create(passes(1), 'EXPRESS');
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn }));
    await expect(h.client.send(new DescribeExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(h.client.send(new GetExecutionHistoryCommand({ executionArn }))).rejects.toBeInstanceOf(InvalidArn);
  });

  it('runs StartSyncExecution with a reused name each time and returns each result', async () => {
    const stateMachineArn = await create(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'P',
        States: { P: { Type: 'Pass', Output: '{% $states.input.n * 2 %}', End: true } },
      },
      'EXPRESS',
    );
    const a = await h.client.send(new StartSyncExecutionCommand({ stateMachineArn, name: 'sync', input: '{"n":1}' }));
    const b = await h.client.send(new StartSyncExecutionCommand({ stateMachineArn, name: 'sync', input: '{"n":2}' }));
    expect([a.status, a.output, b.status, b.output]).toEqual(['SUCCEEDED', '2', 'SUCCEEDED', '4']);
    expect(a.executionArn).not.toBe(b.executionArn);
    expect(a.name).toBe('sync');
  });

  it('refuses StartSyncExecution on a STANDARD machine with StateMachineTypeNotSupported', async () => {
    const stateMachineArn = await create(passes(1));
    await expect(h.client.send(new StartSyncExecutionCommand({ stateMachineArn }))).rejects.toBeInstanceOf(
      StateMachineTypeNotSupported,
    );
  });

  it('reports a failed synchronous execution with its error and cause', async () => {
    const stateMachineArn = await create(
      { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'because' } } },
      'EXPRESS',
    );
    const out = await h.client.send(new StartSyncExecutionCommand({ stateMachineArn, input: '{}' }));
    expect(out).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'because' });
  });
});

describe('API Reference StartExecution: name and input validation', () => {
  it.each([['with space'], ['a/b'], ['brace{'], ['star*'], ['x'.repeat(81)]])(
    'refuses the name %j with InvalidName (1-80 characters, no whitespace, brackets, wildcards or special characters)',
    async (name) => {
      const stateMachineArn = await create(passes(1));
      await expect(h.client.send(new StartExecutionCommand({ stateMachineArn, name }))).rejects.toBeInstanceOf(
        InvalidName,
      );
    },
  );

  it('accepts a name of exactly 80 allowed characters', async () => {
    const stateMachineArn = await create(passes(1));
    const name = `${'a'.repeat(40)}-${'B'.repeat(37)}_9`;
    expect(name).toHaveLength(80);
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn, name }));
    expect(executionArn?.endsWith(`:${name}`)).toBe(true);
  });

  it('refuses input that is not JSON with InvalidExecutionInput', async () => {
    const stateMachineArn = await create(passes(1));
    await expect(
      h.client.send(new StartExecutionCommand({ stateMachineArn, input: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
  });
});

describe('API Reference GetExecutionHistory: event ids, reverseOrder, pagination', () => {
  let executionArn: string;
  let all: HistoryEvent[];

  beforeAll(async () => {
    const stateMachineArn = await create(passes(4));
    executionArn = (await h.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"n":1}' })))
      .executionArn as string;
    await finished(executionArn);
    all = (await h.client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
  });

  it('numbers events 1..n and points each at the event before it', async () => {
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(all.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      ...Array.from({ length: 4 }, () => ['PassStateEntered', 'PassStateExited']).flat(),
      'ExecutionSucceeded',
    ]);
    // previousEventId: 0 for the first event and the first state's entry, the event before otherwise.
    expect(all.map((e) => e.previousEventId)).toEqual([0, 0, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('returns the same events newest first with reverseOrder', async () => {
    const reversed = (await h.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }))).events;
    expect(reversed?.map((e) => e.id)).toEqual([...all].reverse().map((e) => e.id));
  });

  it('pages with maxResults and nextToken, in both orders, without losing or repeating events', async () => {
    for (const reverseOrder of [false, true]) {
      const ids: number[] = [];
      let pages = 0;
      for await (const page of paginateGetExecutionHistory(
        { client: h.client, pageSize: 3 },
        { executionArn, reverseOrder },
      )) {
        pages++;
        expect((page.events ?? []).length).toBeLessThanOrEqual(3);
        ids.push(...(page.events ?? []).map((e) => e.id as number));
      }
      const expected = all.map((e) => e.id as number);
      expect(ids).toEqual(reverseOrder ? expected.reverse() : expected);
      expect(pages).toBe(4);
    }
  });

  it('leaves the input and output out with includeExecutionData false', async () => {
    const lean = await h.client.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));
    expect(lean.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(all[0]?.executionStartedEventDetails?.input).toBe('{"n":1}');
  });
});

describe('API Reference ListExecutions: statusFilter and pagination', () => {
  it('filters by status and pages through every execution once', async () => {
    const stateMachineArn = await create(callback());
    const before = caught.tokens.length;
    const waiting = await h.client.send(new StartExecutionCommand({ stateMachineArn, name: 'waiting' }));
    await tokenOf(before);
    for (const name of ['d1', 'd2', 'd3']) {
      const n = caught.tokens.length;
      const started = await h.client.send(new StartExecutionCommand({ stateMachineArn, name }));
      await h.client.send(new SendTaskSuccessCommand({ taskToken: await tokenOf(n), output: '{}' }));
      await finished(started.executionArn as string);
    }
    const running = await h.client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.name)).toEqual(['waiting']);
    const names: string[] = [];
    for await (const page of paginateListExecutions(
      { client: h.client, pageSize: 2 },
      { stateMachineArn, statusFilter: 'SUCCEEDED' },
    )) {
      names.push(...(page.executions ?? []).map((e) => e.name as string));
    }
    expect(names.sort()).toEqual(['d1', 'd2', 'd3']);
    await h.client.send(new StopExecutionCommand({ executionArn: waiting.executionArn }));
  });

  it('refuses ListExecutions for an EXPRESS machine with StateMachineTypeNotSupported', async () => {
    const stateMachineArn = await create(passes(1), 'EXPRESS');
    await expect(h.client.send(new ListExecutionsCommand({ stateMachineArn }))).rejects.toBeInstanceOf(
      StateMachineTypeNotSupported,
    );
  });
});

describe('API Reference StopExecution', () => {
  it('aborts a running execution with the given error and cause, ending the history with ExecutionAborted', async () => {
    const stateMachineArn = await create(callback());
    const before = caught.tokens.length;
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn }));
    const token = await tokenOf(before);
    const stopped = await h.client.send(new StopExecutionCommand({ executionArn, error: 'Cancel', cause: 'customer' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await finished(executionArn as string);
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Cancel', cause: 'customer' });
    const last = (
      await h.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }))
    ).events?.[0];
    expect(last?.type).toBe('ExecutionAborted');
    expect(last?.executionAbortedEventDetails).toMatchObject({ error: 'Cancel', cause: 'customer' });
    // The stopped task's token no longer answers.
    await expect(h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(
      TaskDoesNotExist,
    );
  });

  it('answers ExecutionDoesNotExist for an unknown execution', async () => {
    await expect(
      h.client.send(
        new StopExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:none:none' }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });
});

describe('API Reference SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat', () => {
  it('fails the task with SendTaskFailure error and cause', async () => {
    const stateMachineArn = await create(callback());
    const before = caught.tokens.length;
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn }));
    const token = await tokenOf(before);
    await h.client.send(new SendTaskFailureCommand({ taskToken: token, error: 'Declined', cause: 'by restaurant' }));
    expect(await finished(executionArn as string)).toMatchObject({
      status: 'FAILED',
      error: 'Declined',
      cause: 'by restaurant',
    });
  });

  it('rejects output that is not JSON with InvalidOutput, leaving the task waiting', async () => {
    const stateMachineArn = await create(callback());
    const before = caught.tokens.length;
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn }));
    const token = await tokenOf(before);
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: 'not json' })),
    ).rejects.toBeInstanceOf(InvalidOutput);
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '"fine"' }));
    expect(await finished(executionArn as string)).toMatchObject({ status: 'SUCCEEDED', output: '"fine"' });
  });

  it('answers InvalidToken for a token that is not one', async () => {
    await expect(
      h.client.send(new SendTaskHeartbeatCommand({ taskToken: 'definitely-not-a-token' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      h.client.send(new SendTaskFailureCommand({ taskToken: 'definitely-not-a-token' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it('answers TaskTimedOut for the token of a task that timed out, to each of the three calls', async () => {
    const stateMachineArn = await create(callback({ TimeoutSeconds: 1 }));
    const before = caught.tokens.length;
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn }));
    const token = (await eventually(
      () => caught.tokens[before],
      (t) => t !== undefined,
    )) as string;
    expect(await finished(executionArn as string)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const calls = [
      () => h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
      () => h.client.send(new SendTaskFailureCommand({ taskToken: token })),
      () => h.client.send(new SendTaskHeartbeatCommand({ taskToken: token })),
    ];
    for (const send of calls) await expect(send()).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('keeps a task with HeartbeatSeconds alive while SendTaskHeartbeat arrives', async () => {
    // HeartbeatSeconds 10 at time scale 100 is 100 ms; the test beats for ~250 ms, well past one period.
    const stateMachineArn = await create(callback({ HeartbeatSeconds: 10, TimeoutSeconds: 600 }));
    const before = caught.tokens.length;
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn }));
    const token = await tokenOf(before);
    const until = Date.now() + 250;
    while (Date.now() < until) {
      await h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await new Promise((r) => setTimeout(r, 10));
    }
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"alive":true}' }));
    expect(await finished(executionArn as string)).toMatchObject({ status: 'SUCCEEDED', output: '{"alive":true}' });
  });
});
