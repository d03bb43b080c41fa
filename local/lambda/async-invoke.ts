import type { Cloud, ResolvedResource } from '../core/types.ts';

/** `AWS::Lambda::EventInvokeConfig`: retries, event age and destinations of asynchronous invocations. */
export interface EventInvokeConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly onSuccess: string | undefined;
  readonly onFailure: string | undefined;
  readonly lastModified: Date;
}

export const defaultEventInvokeConfig: EventInvokeConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21600,
  onSuccess: undefined,
  onFailure: undefined,
  lastModified: new Date(0),
};

const knownConfigProperties = new Set([
  'FunctionName',
  'Qualifier',
  'MaximumRetryAttempts',
  'MaximumEventAgeInSeconds',
  'DestinationConfig',
]);

export const eventInvokeConfigFromResource = (resource: ResolvedResource): EventInvokeConfig => {
  const p = resource.properties;
  for (const key of Object.keys(p)) {
    if (!knownConfigProperties.has(key)) {
      throw new Error(
        `${resource.logicalId} (AWS::Lambda::EventInvokeConfig): property ${key} is not supported locally`,
      );
    }
  }
  return {
    maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? 2),
    maximumEventAgeSeconds: Number(p.MaximumEventAgeInSeconds ?? 21600),
    onSuccess: p.DestinationConfig?.OnSuccess?.Destination,
    onFailure: p.DestinationConfig?.OnFailure?.Destination,
    lastModified: new Date(),
  };
};

/** The invocation record Lambda sends to a destination. */
export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  responsePayload: unknown;
}

const parseOrRaw = (text: string | undefined): unknown => {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export const invocationRecord = (
  fields: Omit<InvocationRecord['requestContext'], never> & {
    payload: string;
    response: { payload?: string; error?: unknown };
  },
): InvocationRecord => ({
  version: '1.0',
  timestamp: new Date().toISOString(),
  requestContext: {
    requestId: fields.requestId,
    functionArn: `${fields.functionArn}:$LATEST`,
    condition: fields.condition,
    approximateInvokeCount: fields.approximateInvokeCount,
  },
  requestPayload: parseOrRaw(fields.payload),
  responseContext: {
    statusCode: 200,
    executedVersion: '$LATEST',
    ...(fields.response.error ? { functionError: 'Unhandled' } : {}),
  },
  responsePayload: fields.response.error ?? parseOrRaw(fields.response.payload),
});

const queueUrlOf = async (cloud: Cloud, queueArn: string): Promise<string> => {
  const [, , , , account, queueName] = queueArn.split(':');
  const answer = await cloud.call<{ QueueUrl: string }>(
    'sqs',
    'GetQueueUrl',
    { QueueName: queueName, QueueOwnerAWSAccountId: account },
    'lambda',
  );
  return answer.QueueUrl;
};

/** Send an invocation record to an on-success/on-failure destination (SQS, SNS, Lambda or EventBridge). */
export const sendToDestination = async (
  cloud: Cloud,
  destination: string,
  record: InvocationRecord,
  functionArn: string,
): Promise<void> => {
  const body = JSON.stringify(record);
  const service = destination.split(':')[2];
  if (service === 'sqs') {
    await cloud.call(
      'sqs',
      'SendMessage',
      { QueueUrl: await queueUrlOf(cloud, destination), MessageBody: body },
      'lambda',
    );
  } else if (service === 'sns') {
    await cloud.call('sns', 'Publish', { TopicArn: destination, Message: body }, 'lambda');
  } else if (service === 'lambda') {
    await cloud.call(
      'lambda',
      'Invoke',
      { FunctionName: destination, InvocationType: 'Event', Payload: body },
      'lambda',
    );
  } else if (service === 'events') {
    const outcome = record.requestContext.condition === 'Success' ? 'Success' : 'Failure';
    await cloud.call(
      'events',
      'PutEvents',
      {
        Entries: [
          {
            Source: 'lambda',
            DetailType: `Lambda Function Invocation Result - ${outcome}`,
            Detail: body,
            EventBusName: destination,
            Resources: [functionArn],
          },
        ],
      },
      'lambda',
    );
  } else {
    throw new Error(`unsupported destination ${destination}`);
  }
};

/** Send the original event to a function's dead-letter queue or topic, with Lambda's error attributes. */
export const sendToDeadLetter = async (
  cloud: Cloud,
  target: string,
  payload: string,
  requestId: string,
  errorMessage: string,
): Promise<void> => {
  const attributes = {
    RequestID: { DataType: 'String', StringValue: requestId },
    ErrorCode: { DataType: 'Number', StringValue: '200' },
    ErrorMessage: { DataType: 'String', StringValue: errorMessage.slice(0, 1024) },
  };
  if (target.split(':')[2] === 'sns') {
    await cloud.call('sns', 'Publish', { TopicArn: target, Message: payload, MessageAttributes: attributes }, 'lambda');
    return;
  }
  await cloud.call(
    'sqs',
    'SendMessage',
    { QueueUrl: await queueUrlOf(cloud, target), MessageBody: payload, MessageAttributes: attributes },
    'lambda',
  );
};
