import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { createEventsService } from '../../../local/events';
import { createLambdaService, type LambdaService } from '../../../local/lambda';
import { createSqsService } from '../../../local/sqs';
import {
  awsCli,
  awsCliAvailable,
  eventually,
  rawPayloadArgs,
  resource,
  sdkOverEdge,
  TestCloud,
  testContext,
} from './support';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const fn = (name: string, dir: string, properties: Record<string, unknown> = {}) =>
  resource(
    'AWS::Lambda::Function',
    name.replace(/-/g, ''),
    {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Code: { S3Bucket: 'assets', S3Key: 'abc.zip' },
      Timeout: 3,
      ...properties,
    },
    name,
    { Arn: arnOf(name) },
    { assetPath: fixture(dir) },
  );

const decode = (payload: string | Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? '').toString('utf8'));

describe('local Lambda service', () => {
  let cloud: TestCloud;
  let lambda: LambdaService;

  beforeAll(async () => {
    cloud = new TestCloud(testContext({ timeScale: 6000 }));
    await cloud.add(createSqsService);
    await cloud.add(createEventsService);
    for (const name of ['fails-destination', 'fails-dlq', 'work-dlq', 'filtered-queue']) {
      await cloud.call('sqs', 'CreateQueue', { QueueName: name });
    }
    await cloud.call('sqs', 'CreateQueue', {
      QueueName: 'work-queue',
      Attributes: {
        VisibilityTimeout: '9000', // 1.5 s at this time scale: far longer than a warm invocation
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq',
          maxReceiveCount: 2,
        }),
      },
    });
    lambda = (await cloud.add(createLambdaService)) as LambdaService;
    await lambda.provision?.([
      fn('esm-fn', 'esm', { Environment: { Variables: { GREETING: 'hi' } }, MemorySize: 256 }),
      fn('cjs-fn', 'cjs', { Handler: 'app.main' }),
      fn('slow-fn', 'slow', { Timeout: 1 }),
      fn('throws-fn', 'throws'),
      fn('emf-fn', 'emf'),
      fn('one-at-a-time', 'slow', { ReservedConcurrentExecutions: 1, Timeout: 5 }),
      fn('always-fails', 'counter', {
        DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:fails-dlq' },
      }),
      fn('batch-fn', 'batch'),
      fn('broken-fn', 'broken'),
      fn('init-throws-fn', 'init-throws'),
      fn('exits-fn', 'exits'),
      fn('json-logs', 'throws', { LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' } }),
      fn('json-logs-quiet', 'esm', { LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' } }),
      resource('AWS::Lambda::Version', 'EsmVersion', { FunctionName: 'esm-fn' }, `${arnOf('esm-fn')}:1`, {
        Version: '1',
      }),
      resource(
        'AWS::Lambda::Alias',
        'EsmLive',
        { FunctionName: 'esm-fn', FunctionVersion: '1', Name: 'live' },
        `${arnOf('esm-fn')}:live`,
      ),
      fn('inline-fn', 'esm', {
        Code: { ZipFile: 'exports.handler = async (event) => ({ inline: true, got: event.x });' },
      }),
      resource(
        'AWS::Lambda::EventInvokeConfig',
        'FailsConfig',
        {
          FunctionName: 'always-fails',
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:fails-destination' } },
        },
        'cfg-1',
      ),
      resource(
        'AWS::Lambda::EventSourceMapping',
        'FilteredMapping',
        {
          FunctionName: 'batch-fn',
          EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:filtered-queue',
          FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["keep"]}}' }] },
        },
        '3f1a9c2e-0000-4000-a000-000000000002',
      ),
      resource(
        'AWS::Lambda::EventSourceMapping',
        'BatchMapping',
        {
          FunctionName: 'batch-fn',
          EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:work-queue',
          BatchSize: 5,
          MaximumBatchingWindowInSeconds: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 2 },
        },
        '3f1a9c2e-0000-4000-a000-000000000001',
      ),
    ]);
    await lambda.start?.();
  });

  afterAll(async () => {
    await lambda.stop?.();
    await cloud.service('sqs').stop?.();
  });

  const invoke = (input: Record<string, unknown>) => cloud.call('lambda', 'Invoke', input);

  it('runs an ESM handler with the template environment, the endpoint and a Lambda context', async () => {
    const answer = await invoke({ FunctionName: 'esm-fn', Payload: JSON.stringify({ name: 'Ada' }) });

    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    const body = JSON.parse(answer.Payload);
    expect(body).toMatchObject({
      echo: { name: 'Ada' },
      functionName: 'esm-fn',
      remainingPositive: true,
      memory: '256',
      arn: arnOf('esm-fn'),
      env: {
        GREETING: 'hi',
        AWS_ENDPOINT_URL: 'http://localhost:4566',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'esm-fn',
        _HANDLER: 'index.handler',
      },
    });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reuses a warm environment for the next invocation and reports Init Duration only on the cold one', async () => {
    const first = JSON.parse((await invoke({ FunctionName: 'esm-fn', Payload: '{}' })).Payload);
    const second = JSON.parse((await invoke({ FunctionName: 'esm-fn', Payload: '{}', LogType: 'Tail' })).Payload);

    expect(second.pid).toBe(first.pid);
    const reports = lambda.logs('esm-fn').filter((l) => l.message.startsWith('REPORT'));
    expect(reports[0]?.message).toContain('Init Duration');
    expect(reports.at(-1)?.message).not.toContain('Init Duration');
  });

  it('runs a CommonJS callback handler named in Handler, with the task root as working directory', async () => {
    const answer = await invoke({
      FunctionName: arnOf('cjs-fn'),
      Payload: JSON.stringify({ a: 2, b: 3 }),
      LogType: 'Tail',
    });

    expect(JSON.parse(answer.Payload)).toEqual({ sum: 5, cwd: fixture('cjs') });
    const tail = Buffer.from(answer.LogResult, 'base64').toString('utf8');
    expect(tail).toContain('raw stdout line');
    expect(tail).toMatch(/START RequestId: .* Version: \$LATEST/);
    expect(tail).toMatch(/REPORT RequestId: .*Duration: .* ms/);
  });

  it('runs inline Code.ZipFile as index.js', async () => {
    const answer = await invoke({ FunctionName: 'inline-fn', Payload: '{"x":7}' });

    expect(JSON.parse(answer.Payload)).toEqual({ inline: true, got: 7 });
  });

  it('answers FunctionError Unhandled with the error type, message and trace when the handler throws', async () => {
    const answer = await invoke({ FunctionName: 'throws-fn', Payload: '{"reason":"card"}', LogType: 'Tail' });

    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    const error = JSON.parse(answer.Payload);
    expect(error.errorType).toBe('PaymentDeclinedError');
    expect(error.errorMessage).toBe('declined: card');
    expect(Array.isArray(error.trace)).toBe(true);
    expect(Buffer.from(answer.LogResult, 'base64').toString()).toContain('about to fail');
  });

  it('kills a function that overruns its timeout and reports Sandbox.Timedout, then starts a fresh environment', async () => {
    const started = Date.now();
    const answer = await invoke({ FunctionName: 'slow-fn', Payload: '{}' });

    expect(Date.now() - started).toBeLessThan(2500);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(JSON.parse(answer.Payload)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds/),
    });
    const next = await invoke({ FunctionName: 'slow-fn', Payload: '{"ms":1}' });
    expect(JSON.parse(next.Payload)).toBe('late');
  });

  it('throttles a synchronous invoke beyond the reserved concurrency with TooManyRequestsException', async () => {
    const running = invoke({ FunctionName: 'one-at-a-time', Payload: '{"ms":600}' });

    await expect(invoke({ FunctionName: 'one-at-a-time', Payload: '{"ms":1}' })).rejects.toMatchObject({
      code: 'TooManyRequestsException',
      status: 429,
    });
    expect(JSON.parse((await running).Payload)).toBe('late');
  });

  it('reports an init failure as Runtime.ImportModuleError', async () => {
    const answer = await invoke({ FunctionName: 'broken-fn', Payload: '{}' });

    expect(answer.FunctionError).toBe('Unhandled');
    expect(JSON.parse(answer.Payload)).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });

  it('reports an error thrown while the module loads with its own type', async () => {
    const answer = await invoke({ FunctionName: 'init-throws-fn', Payload: '{}' });

    expect(answer.FunctionError).toBe('Unhandled');
    expect(JSON.parse(answer.Payload)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'Missing required environment variable REQUIRED_SETTING',
    });
  });

  it('reports Runtime.ExitError when the handler ends its process, and serves the next invocation afresh', async () => {
    const exited = await invoke({ FunctionName: 'exits-fn', Payload: '{"exit":true}' });
    const next = await invoke({ FunctionName: 'exits-fn', Payload: '{}' });

    expect(JSON.parse(exited.Payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/exit status 3/),
    });
    expect(JSON.parse(next.Payload)).toBe('alive');
  });

  it('writes console output as JSON lines when LoggingConfig asks for JSON, dropping levels below the application level', async () => {
    const failing = await invoke({ FunctionName: 'json-logs', Payload: '{"reason":"json"}', LogType: 'Tail' });
    const quiet = await invoke({ FunctionName: 'json-logs-quiet', Payload: '{"name":"n"}', LogType: 'Tail' });

    const lines = Buffer.from(failing.LogResult, 'base64').toString().split('\n');
    const record = JSON.parse(lines.find((l) => l.includes('about to fail')) ?? '{}');
    expect(record).toMatchObject({ level: 'ERROR', message: 'about to fail json', requestId: expect.any(String) });
    expect(Buffer.from(quiet.LogResult, 'base64').toString()).not.toContain('hello from esm');
  });

  it('answers 204 to a DryRun without running the function', async () => {
    const before = lambda.logs('throws-fn').length;
    const answer = await invoke({ FunctionName: 'throws-fn', InvocationType: 'DryRun' });

    expect(answer.StatusCode).toBe(204);
    expect(lambda.logs('throws-fn').length).toBe(before);
  });

  it('invokes a published version or an alias and reports the version it ran', async () => {
    const byAlias = await invoke({ FunctionName: `${arnOf('esm-fn')}:live`, Payload: '{}' });
    const byVersion = await invoke({ FunctionName: 'esm-fn', Qualifier: '1', Payload: '{}' });

    expect(byAlias.ExecutedVersion).toBe('1');
    expect(byVersion.ExecutedVersion).toBe('1');
    expect(JSON.parse(byAlias.Payload).functionName).toBe('esm-fn');
  });

  it('answers ResourceNotFoundException for an unknown function or qualifier', async () => {
    await expect(invoke({ FunctionName: 'nope' })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      status: 404,
    });
    await expect(invoke({ FunctionName: 'esm-fn', Qualifier: 'staging' })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
  });

  it('retries a failing event invocation twice, then sends the invocation record to the on-failure destination and the DLQ', async () => {
    const answer = await invoke({
      FunctionName: 'always-fails',
      InvocationType: 'Event',
      Payload: '{"orderId":"o-1"}',
    });
    expect(answer.StatusCode).toBe(202);

    const record = await eventually(() => {
      const sent = cloud.callsTo('sqs', 'SendMessage').find((m) => m.QueueUrl.endsWith('/fails-destination'));
      return sent && JSON.parse(sent.MessageBody);
    });
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionArn: `${arnOf('always-fails')}:$LATEST`,
      },
      requestPayload: { orderId: 'o-1' },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: expect.stringMatching(/attempt \d failed/) },
    });
    const dead = cloud.callsTo('sqs', 'SendMessage').find((m) => m.QueueUrl.endsWith('/fails-dlq'));
    expect(dead.MessageBody).toBe('{"orderId":"o-1"}');
    expect(dead.MessageAttributes.ErrorMessage.StringValue).toMatch(/attempt \d failed/);
    expect(lambda.logs('always-fails').filter((l) => l.message.startsWith('START'))).toHaveLength(3);
  });

  it('polls an SQS queue in batches, deletes the records not reported as failures, and leaves redrive to the queue', async () => {
    const queueUrl = 'http://localhost:4566/000000000000/work-queue';
    // A warm environment keeps each invocation well inside the queue's visibility timeout.
    await invoke({ FunctionName: 'batch-fn', Payload: '{"Records":[]}' });
    for (const body of ['ok-1', 'fail-2', 'ok-3']) {
      await cloud.call('sqs', 'SendMessage', {
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { command: { DataType: 'String', StringValue: 'add' } },
      });
    }

    const dead = await eventually(async () => {
      const answer = await cloud.call('sqs', 'ReceiveMessage', { QueueUrl: 'work-dlq', WaitTimeSeconds: 0 });
      return answer.Messages?.length ? answer.Messages : undefined;
    }, 8000);
    expect(dead.map((m: { Body: string }) => m.Body)).toEqual(['fail-2']);
    const seen = lambda
      .logs('batch-fn')
      .map((l) => l.message.split('\t')[3])
      .filter((m): m is string => !!m && m.startsWith('{'))
      .map((m) => JSON.parse(m));
    expect(seen.filter((r) => r.seen === 'ok-1')).toHaveLength(1);
    expect(seen.filter((r) => r.seen === 'ok-3')).toHaveLength(1);
    expect(seen.filter((r) => r.seen === 'fail-2')).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      attrs: { command: { stringValue: 'add', dataType: 'String', stringListValues: [] } },
      source: 'aws:sqs',
    });
  }, 15_000);

  it('applies FilterCriteria to SQS records and deletes the ones left out without invoking', async () => {
    for (const body of ['{"kind":"drop","n":1}', 'not json', '{"kind":"keep","n":2}']) {
      await cloud.call('sqs', 'SendMessage', { QueueUrl: 'filtered-queue', MessageBody: body });
    }

    await eventually(async () => {
      const attributes = await cloud.call('sqs', 'GetQueueAttributes', {
        QueueUrl: 'filtered-queue',
        AttributeNames: ['All'],
      });
      return (
        attributes.Attributes.ApproximateNumberOfMessages === '0' &&
        attributes.Attributes.ApproximateNumberOfMessagesNotVisible === '0'
      );
    }, 8000);
    const seen = lambda
      .logs('batch-fn')
      .map((l) => l.message.split('\t')[3])
      .filter((m): m is string => !!m && m.startsWith('{'))
      .map((m) => JSON.parse(m).seen as string);
    expect(seen).toContain('{"kind":"keep","n":2}');
    expect(seen).not.toContain('{"kind":"drop","n":1}');
    expect(seen).not.toContain('not json');
  }, 15_000);

  it('forwards EMF lines and its own AWS/Lambda metrics to CloudWatch', async () => {
    const metrics: any[] = [];
    cloud.register({
      name: 'monitoring',
      protocol: 'json1.0',
      operations: { PutMetricData: async (input: any) => metrics.push(input) },
    });

    await invoke({ FunctionName: 'emf-fn', Payload: '{"count":3}' });

    await eventually(() => metrics.find((m) => m.Namespace === 'fixtures'));
    expect(metrics.find((m) => m.Namespace === 'fixtures').MetricData[0]).toMatchObject({
      MetricName: 'OrdersPlaced',
      Dimensions: [{ Name: 'service', Value: 'orders' }],
      Values: [3],
    });
    const lambdaMetrics = metrics.filter((m) => m.Namespace === 'AWS/Lambda').flatMap((m) => m.MetricData);
    expect(lambdaMetrics.map((d: any) => d.MetricName)).toEqual(
      expect.arrayContaining(['Invocations', 'Errors', 'Duration', 'ConcurrentExecutions']),
    );
  });

  describe('through the AWS SDK and the edge', () => {
    const sdk = sdkOverEdge(
      () => cloud,
      (config) => new LambdaClient(config),
    );

    it('invokes synchronously with a log tail', async () => {
      const answer = await sdk.client.send(
        new InvokeCommand({ FunctionName: 'esm-fn', Payload: JSON.stringify({ name: 'Sdk' }), LogType: 'Tail' }),
      );

      expect(answer.StatusCode).toBe(200);
      expect(answer.ExecutedVersion).toBe('$LATEST');
      expect(decode(answer.Payload).echo).toEqual({ name: 'Sdk' });
      expect(Buffer.from(answer.LogResult ?? '', 'base64').toString()).toContain('INFO\thello from esm Sdk');
    });

    it('surfaces the function error type to the SDK', async () => {
      const answer = await sdk.client.send(new InvokeCommand({ FunctionName: 'throws-fn', Payload: '{"reason":"x"}' }));

      expect(answer.FunctionError).toBe('Unhandled');
      expect(decode(answer.Payload).errorType).toBe('PaymentDeclinedError');
    });

    it('answers 202 to an Event invoke and 204 to a DryRun', async () => {
      const event = await sdk.client.send(
        new InvokeCommand({ FunctionName: 'esm-fn', InvocationType: 'Event', Payload: '{}' }),
      );
      const dry = await sdk.client.send(new InvokeCommand({ FunctionName: 'esm-fn', InvocationType: 'DryRun' }));

      expect(event.StatusCode).toBe(202);
      expect(dry.StatusCode).toBe(204);
    });

    it('raises ResourceNotFoundException for an unknown function', async () => {
      await expect(sdk.client.send(new InvokeCommand({ FunctionName: 'missing' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      });
    });

    it('lists and describes functions and event source mappings', async () => {
      const list = await sdk.client.send(new ListFunctionsCommand({}));
      const one = await sdk.client.send(new GetFunctionCommand({ FunctionName: 'one-at-a-time' }));
      const mappings = await sdk.client.send(new ListEventSourceMappingsCommand({ FunctionName: 'batch-fn' }));

      expect(list.Functions?.map((f) => f.FunctionName)).toEqual(
        expect.arrayContaining(['esm-fn', 'cjs-fn', 'batch-fn']),
      );
      expect(one.Configuration).toMatchObject({ FunctionName: 'one-at-a-time', Timeout: 5, Runtime: 'nodejs22.x' });
      expect(one.Concurrency?.ReservedConcurrentExecutions).toBe(1);
      expect(
        mappings.EventSourceMappings?.find((m) => m.UUID === '3f1a9c2e-0000-4000-a000-000000000001'),
      ).toMatchObject({
        UUID: '3f1a9c2e-0000-4000-a000-000000000001',
        BatchSize: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    (awsCliAvailable ? it : it.skip)(
      'invokes through the AWS CLI',
      async () => {
        const outFile = path.join(os.tmpdir(), `lambda-cli-${process.pid}.json`);
        const answer = await awsCli(sdk.edge.url, [
          'lambda',
          'invoke',
          '--function-name',
          'cjs-fn',
          '--payload',
          '{"a":1,"b":41}',
          ...rawPayloadArgs,
          outFile,
        ]);

        expect(answer.status).toBe(0);
        expect(answer.json).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
        expect(JSON.parse(fs.readFileSync(outFile, 'utf8')).sum).toBe(42);
        fs.rmSync(outFile, { force: true });
      },
      30_000,
    );
  });
});

describe('local Lambda asynchronous invocations across a restart', () => {
  const sent: { QueueUrl: string; MessageBody: string }[] = [];
  const recordingSqs = {
    name: 'sqs',
    protocol: 'json1.0' as const,
    operations: {
      GetQueueUrl: async (input: { QueueName: string }) => ({
        QueueUrl: `http://localhost:4566/000000000000/${input.QueueName}`,
      }),
      SendMessage: async (input: { QueueUrl: string; MessageBody: string }) => {
        sent.push(input);
        return { MessageId: 'm' };
      },
    },
  };
  const resources = () => [
    fn('fails-later', 'counter'),
    resource(
      'AWS::Lambda::EventInvokeConfig',
      'Config',
      {
        FunctionName: 'fails-later',
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      },
      'cfg',
    ),
  ];
  const boot = async (dataDir: string) => {
    const cloud = new TestCloud(testContext({ dataDir, timeScale: 120 }));
    cloud.register(recordingSqs);
    const lambda = (await cloud.add(createLambdaService)) as LambdaService;
    await lambda.provision?.(resources());
    await lambda.start?.();
    return { cloud, lambda };
  };

  it('resumes the retries of a queued event after the local cloud is stopped and started again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-async-'));
    const first = await boot(dataDir);
    await first.cloud.call('lambda', 'Invoke', {
      FunctionName: 'fails-later',
      InvocationType: 'Event',
      Payload: '{"n":1}',
    });
    await eventually(() => first.lambda.logs('fails-later').some((l) => l.message.startsWith('REPORT')));
    await first.lambda.stop?.();

    const second = await boot(dataDir);

    const record = await eventually(() => sent.find((m) => m.QueueUrl.endsWith('/failures')), 8000);
    expect(JSON.parse(record.MessageBody)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { n: 1 },
    });
    expect(second.lambda.logs('fails-later').filter((l) => l.message.startsWith('START'))).toHaveLength(2);
    await second.lambda.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 15_000);
});
