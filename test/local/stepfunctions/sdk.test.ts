/**
 * The real `@aws-sdk/client-sfn`, unchanged, against the local service behind the edge server (AWS JSON 1.0).
 */

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ActivityDoesNotExist,
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  ListActivitiesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import { localContext, quietLog } from '../../../local/core/context';
import { type Edge, startEdge } from '../../../local/edge';
import { fakeIntegrations, StepFunctionsService } from '../../../local/stepfunctions';

const ctx = localContext({ endpoint: 'http://localhost:0', timeScale: 100 });

describe('@aws-sdk/client-sfn against the local endpoint', () => {
  let edge: Edge;
  let service: StepFunctionsService;
  let client: SFNClient;
  const tokens: string[] = [];

  beforeAll(async () => {
    service = new StepFunctionsService(ctx, undefined, {
      integrations: fakeIntegrations({
        'sns:publish': (req) => {
          tokens.push((req.parameters as { Message: { token: string } }).Message.token);
          return { MessageId: 'x' };
        },
      }),
    });
    edge = await startEdge({ services: () => [service], log: quietLog, port: 0 });
    client = new SFNClient({
      endpoint: edge.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      // StartSyncExecution adds a `sync-` host prefix that a local address cannot resolve.
      disableHostPrefix: true,
    });
  });
  afterAll(async () => {
    client.destroy();
    await edge.close();
    await service.stop();
  });

  it('creates an Express machine and runs it synchronously', async () => {
    const definition = JSON.stringify({
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: '{% {"sum": $states.input.a + 1} %}', End: true } },
    });
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({
        name: 'sdk-express',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/r',
        type: 'EXPRESS',
      }),
    );
    const out = await client.send(new StartSyncExecutionCommand({ stateMachineArn, input: '{"a":41}' }));
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? 'null')).toEqual({ sum: 42 });
    expect(out.startDate).toBeInstanceOf(Date);
  });

  it('drives a callback execution: start, send the token, read the history', async () => {
    const definition = JSON.stringify({
      StartAt: 'Notify',
      States: {
        Notify: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
          Parameters: { TopicArn: 't', Message: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    });
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({ name: 'sdk-callback', definition, roleArn: 'arn:aws:iam::000000000000:role/r' }),
    );
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'one', input: '{}' }),
    );
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn, name: 'one', input: '{"other":1}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const deadline = Date.now() + 3000;
    while (tokens.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{"ok":true}' }));
    let status = 'RUNNING';
    while (status === 'RUNNING' && Date.now() < deadline) {
      status = (await client.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
    }
    expect(status).toBe('SUCCEEDED');
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(history.events?.map((e) => e.type)).toContain('TaskSubmitted');
    expect(history.events?.[0]?.timestamp).toBeInstanceOf(Date);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it('runs activity tasks: a worker polls GetActivityTask, answers with the token, and the history shows it', async () => {
    // Prepare (Developer Guide, "Learn about Activities in Step Functions")
    const { activityArn } = await client.send(new CreateActivityCommand({ name: 'pack-order' }));
    expect((await client.send(new CreateActivityCommand({ name: 'pack-order' }))).activityArn).toBe(activityArn);
    expect(await client.send(new DescribeActivityCommand({ activityArn }))).toMatchObject({ name: 'pack-order' });
    expect((await client.send(new ListActivitiesCommand({}))).activities?.map((a) => a.name)).toContain('pack-order');
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({
        name: 'with-activity',
        roleArn: 'arn:aws:iam::000000000000:role/r',
        definition: JSON.stringify({
          StartAt: 'Pack',
          States: {
            Pack: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 300, Next: 'Again' },
            Again: { Type: 'Task', Resource: activityArn, Catch: [{ ErrorEquals: ['Torn'], Next: 'Done' }], End: true },
            Done: { Type: 'Pass', End: true },
          },
        }),
      }),
    );
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ box: 1 }) }),
    );

    // Act: one worker succeeds the first task, another fails the second.
    const first = await client.send(new GetActivityTaskCommand({ activityArn, workerName: 'packer-1' }));
    expect(JSON.parse(first.input ?? 'null')).toEqual({ box: 1 });
    await client.send(new SendTaskSuccessCommand({ taskToken: first.taskToken, output: '{"packed":true}' }));
    const second = await client.send(new GetActivityTaskCommand({ activityArn }));
    expect(JSON.parse(second.input ?? 'null')).toEqual({ packed: true });
    await client.send(new SendTaskFailureCommand({ taskToken: second.taskToken, error: 'Torn', cause: 'box' }));

    // Assess
    let status = 'RUNNING';
    for (let i = 0; i < 200 && status === 'RUNNING'; i++) {
      status = (await client.send(new DescribeExecutionCommand({ executionArn }))).status ?? '';
      if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe('SUCCEEDED');
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events?.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivityFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events?.find((e) => e.type === 'ActivityScheduled')?.activityScheduledEventDetails).toMatchObject({
      resource: activityArn,
      timeoutInSeconds: 300,
    });
    expect(events?.find((e) => e.type === 'ActivityStarted')?.activityStartedEventDetails).toEqual({
      workerName: 'packer-1',
    });

    // Deleting the activity ends a waiting poll with no task; a deleted activity does not exist.
    const waiting = client.send(new GetActivityTaskCommand({ activityArn }));
    await new Promise((r) => setTimeout(r, 20));
    await client.send(new DeleteActivityCommand({ activityArn }));
    expect((await waiting).taskToken).toBeUndefined();
    await expect(client.send(new DescribeActivityCommand({ activityArn }))).rejects.toBeInstanceOf(
      ActivityDoesNotExist,
    );
  });
});

const hasAwsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

(hasAwsCli ? describe : describe.skip)('aws stepfunctions --endpoint-url against the local endpoint', () => {
  let edge: Edge;
  let service: StepFunctionsService;
  beforeAll(async () => {
    service = new StepFunctionsService(ctx, undefined, { integrations: fakeIntegrations({}) });
    edge = await startEdge({ services: () => [service], log: quietLog, port: 0 });
  });
  afterAll(async () => {
    await edge.close();
    await service.stop();
  });

  it('creates a machine, starts an execution and describes it', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
    };
    const aws = async (...args: string[]) =>
      JSON.parse(
        (
          await promisify(execFile)('aws', ['--endpoint-url', edge.url, '--output', 'json', 'stepfunctions', ...args], {
            env,
          })
        ).stdout,
      );
    const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 'cli', End: true } } });
    const created = await aws(
      'create-state-machine',
      '--name',
      'cli',
      '--definition',
      definition,
      '--role-arn',
      'arn:aws:iam::000000000000:role/r',
    );
    const started = await aws('start-execution', '--state-machine-arn', created.stateMachineArn, '--input', '{}');
    let described = await aws('describe-execution', '--execution-arn', started.executionArn);
    const deadline = Date.now() + 5000;
    while (described.status === 'RUNNING' && Date.now() < deadline) {
      described = await aws('describe-execution', '--execution-arn', started.executionArn);
    }
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '"cli"' });
  }, 30_000);
});
