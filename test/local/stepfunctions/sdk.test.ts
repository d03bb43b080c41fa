/**
 * The real `@aws-sdk/client-sfn`, unchanged, against the local service behind the edge server (AWS JSON 1.0).
 */

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { LocalContext } from '../../../local/core/types';
import { type Edge, startEdge } from '../../../local/edge';
import { fakeIntegrations, StepFunctionsService } from '../../../local/stepfunctions';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: LocalContext = {
  region: 'us-east-1',
  accountId: '000000000000',
  endpoint: 'http://localhost:0',
  dataDir: undefined,
  timeScale: 100,
  assemblyDir: undefined,
  apiPort: 0,
  log: quiet,
};

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
    edge = await startEdge({ services: () => [service], log: quiet, port: 0 });
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
});

const hasAwsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

(hasAwsCli ? describe : describe.skip)('aws stepfunctions --endpoint-url against the local endpoint', () => {
  let edge: Edge;
  let service: StepFunctionsService;
  beforeAll(async () => {
    service = new StepFunctionsService(ctx, undefined, { integrations: fakeIntegrations({}) });
    edge = await startEdge({ services: () => [service], log: quiet, port: 0 });
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
