/**
 * Task resources through the default integrations (`cloudIntegrations`) over a fake cloud that records each
 * call. Sources: Developer Guide "Invoke an AWS Lambda function with Step Functions" (the `lambda:invoke`
 * result shape versus a bare function ARN), "Wait for a Callback with Task Token" and "Discover service
 * integration patterns" (`.sync`, `.sync:2`).
 */
import type { Cloud } from '../../../../local/core/types';
import { cloudIntegrations, runDefinition, TokenRegistry } from '../../../../local/stepfunctions';
import { callbackTask, eventually, jsonataMachine, machine, pass, tokenCatcher, types, waitingToken } from './support';

interface Call {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

/** A cloud whose services answer from `answers[service:Operation]`, recording every call. */
const fakeCloud = (answers: Record<string, (input: Record<string, unknown>) => unknown>) => {
  const calls: Call[] = [];
  const cloud = {
    async call(service: string, operation: string, input: Record<string, unknown>) {
      calls.push({ service, operation, input });
      const answer = answers[`${service}:${operation}`];
      if (!answer) throw new Error(`unexpected call ${service}:${operation}`);
      return answer(input);
    },
  } as unknown as Cloud;
  return { integrations: cloudIntegrations(cloud), calls };
};

const lambdaReturning = (payload: unknown) =>
  fakeCloud({
    'lambda:Invoke': () => ({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: JSON.stringify(payload) }),
  });

describe('Developer Guide "Invoke an AWS Lambda function": lambda:invoke versus a bare function ARN', () => {
  it('wraps the function result of arn:aws:states:::lambda:invoke in Payload, with StatusCode and metadata', async () => {
    const fake = lambdaReturning({ total: 12 });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'price', 'Payload.$': '$' },
        End: true,
      },
    });
    const run = await runDefinition(def, { items: 2 }, { integrations: fake.integrations });
    expect(fake.calls).toEqual([
      { service: 'lambda', operation: 'Invoke', input: { FunctionName: 'price', Payload: '{"items":2}' } },
    ]);
    expect(run.output).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { total: 12 },
      SdkHttpMetadata: expect.objectContaining({ HttpStatusCode: 200 }),
      SdkResponseMetadata: { RequestId: expect.any(String) },
      StatusCode: 200,
    });
    expect(types(run.history)).toContain('TaskSucceeded');
  });

  it('gives the bare function result for a function ARN resource, sending the effective input as payload', async () => {
    const fake = lambdaReturning({ total: 12 });
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:price';
    const def = machine({ T: { Type: 'Task', Resource: arn, InputPath: '$.order', End: true } });
    const run = await runDefinition(def, { order: { items: 2 } }, { integrations: fake.integrations });
    expect(fake.calls).toEqual([
      { service: 'lambda', operation: 'Invoke', input: { FunctionName: arn, Payload: '{"items":2}' } },
    ]);
    expect(run.output).toEqual({ total: 12 });
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('selects the payload with OutputPath $.Payload, the usual lambda:invoke idiom', async () => {
    const fake = lambdaReturning(['a', 'b']);
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        OutputPath: '$.Payload',
        End: true,
      },
    });
    expect((await runDefinition(def, {}, { integrations: fake.integrations })).output).toEqual(['a', 'b']);
  });

  it("fails with the function's errorType and the error payload as cause when the function errors", async () => {
    const body = JSON.stringify({ errorType: 'OutOfStock', errorMessage: 'sku 4' });
    const fake = fakeCloud({ 'lambda:Invoke': () => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: body }) });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:stock',
        Catch: [{ ErrorEquals: ['OutOfStock'], Next: 'Sorry' }],
        End: true,
      },
      Sorry: pass(),
    });
    const run = await runDefinition(def, {}, { integrations: fake.integrations });
    expect(run.output).toEqual({ Error: 'OutOfStock', Cause: body });
    expect(types(run.history)).toContain('LambdaFunctionFailed');
  });

  it('passes JSONata Arguments as the Invoke request', async () => {
    const fake = lambdaReturning('ok');
    const def = jsonataMachine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'f', Payload: { n: '{% $states.input.n %}' } },
        Output: '{% $states.result.Payload %}',
        End: true,
      },
    });
    const run = await runDefinition(def, { n: 5 }, { integrations: fake.integrations });
    expect(fake.calls[0]?.input).toEqual({ FunctionName: 'f', Payload: '{"n":5}' });
    expect(run.output).toBe('ok');
  });
});

describe('Developer Guide "Wait for a Callback with Task Token": .waitForTaskToken', () => {
  it('hands $$.Task.Token to the service, then ends with the SendTaskSuccess output', async () => {
    const fake = fakeCloud({ 'sqs:SendMessage': () => ({ MessageId: 'm-1' }) });
    const tokens = new TokenRegistry();
    const def = machine({ T: callbackTask({}, { 'order.$': '$.id' }) });
    const pending = runDefinition(def, { id: 'o-9' }, { integrations: fake.integrations, tokens });
    const call = await eventually(
      () => fake.calls[0],
      (c) => c !== undefined,
    );
    // An object MessageBody goes out as JSON text.
    const body = JSON.parse(String(call?.input.MessageBody)) as { token: string; order: string };
    expect(body.order).toBe('o-9');
    await eventually(
      () => tokens.get(body.token),
      (w) => w !== undefined,
    );
    tokens.get(body.token)?.succeed({ accepted: true });
    const run = await pending;
    expect(run.output).toEqual({ accepted: true });
    const submitted = run.history.find((e) => e.type === 'TaskSubmitted')?.taskSubmittedEventDetails as
      | { output: string }
      | undefined;
    expect(JSON.parse(submitted?.output ?? 'null')).toMatchObject({ MessageId: 'm-1' });
  });

  it('fails the task with the SendTaskFailure error and cause, which a Catch can handle', async () => {
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({
      T: callbackTask({ Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.why', Next: 'Handle' }] }),
      Handle: pass(),
    });
    const pending = runDefinition(def, { id: 1 }, { integrations: caught.integrations, tokens });
    const token = await waitingToken(caught, tokens);
    tokens.get(token)?.fail('Rejected', 'restaurant closed');
    const run = await pending;
    expect(run.output).toEqual({ id: 1, why: { Error: 'Rejected', Cause: 'restaurant closed' } });
  });

  it('issues a new token for each attempt of a retried callback task', async () => {
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({ T: callbackTask({ Retry: [{ ErrorEquals: ['Again'], IntervalSeconds: 1 }] }) });
    const pending = runDefinition(def, {}, { integrations: caught.integrations, tokens, timeScale: 1000 });
    const first = await waitingToken(caught, tokens);
    tokens.get(first)?.fail('Again', 'retry me');
    const second = await waitingToken(caught, tokens, 1);
    expect(second).not.toBe(first);
    expect(tokens.get(first)).toBeUndefined();
    tokens.get(second)?.succeed('second');
    expect((await pending).output).toBe('second');
  });
});

describe('Developer Guide "Start a new AWS Step Functions state machine execution": states:startExecution patterns', () => {
  const child = () =>
    fakeCloud({
      'states:StartExecution': () => ({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:child:x',
        startDate: 1,
      }),
      'states:DescribeExecution': () => ({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:child:x',
        status: 'SUCCEEDED',
        output: '{"done":true}',
      }),
    });
  const start = (resource: string) =>
    machine({
      T: {
        Type: 'Task',
        Resource: resource,
        Parameters: { StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child', Input: { a: 1 } },
        End: true,
      },
    });

  it('returns ExecutionArn and StartDate without waiting (request-response)', async () => {
    const fake = child();
    const run = await runDefinition(
      start('arn:aws:states:::states:startExecution'),
      {},
      { integrations: fake.integrations },
    );
    expect(run.output).toMatchObject({ ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:child:x' });
    expect(fake.calls.map((c) => c.operation)).toEqual(['StartExecution']);
    // The Input object is sent as JSON text.
    expect(fake.calls[0]?.input.input).toBe('{"a":1}');
  });

  it('waits for the child with .sync and returns its Output as a string', async () => {
    const fake = child();
    const run = await runDefinition(
      start('arn:aws:states:::states:startExecution.sync'),
      {},
      { integrations: fake.integrations },
    );
    expect(run.output).toMatchObject({ Status: 'SUCCEEDED', Output: '{"done":true}' });
  });

  it('returns the child Output as JSON with .sync:2', async () => {
    const fake = child();
    const run = await runDefinition(
      start('arn:aws:states:::states:startExecution.sync:2'),
      {},
      {
        integrations: fake.integrations,
      },
    );
    expect(run.output).toMatchObject({ Status: 'SUCCEEDED', Output: { done: true } });
  });
});
