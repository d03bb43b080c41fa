import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * Creates a value on first use and returns the same one afterwards. The clients below are built this way
 * (and marked pure) so a handler's bundle carries only the SDK clients it calls: a client constructed at
 * module scope is a side effect the bundler must keep in every function.
 */
function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= create();
    return value;
  };
}

/**
 * SDK clients, created once per execution environment and traced. Endpoints come from the standard
 * `AWS_ENDPOINT_URL*` variables, so the same code talks to AWS or to the local cloud.
 */
export const dynamoDbClient = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new DynamoDBClient({})));

/** Document client over {@link dynamoDbClient}: plain JS values in and out, undefined attributes dropped. */
export const documentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } }),
);

/**
 * Step Functions client. `disableHostPrefix` because `StartSyncExecution` otherwise prepends `sync-` to
 * the host, which cannot resolve for a local endpoint such as 127.0.0.1 (NOTES.md); AWS accepts both.
 */
export const sfnClient = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(new SFNClient({ disableHostPrefix: true })),
);

/** EventBridge client, used only through the validating producer in `event-publisher.ts`. */
export const eventBridgeClient = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new EventBridgeClient({})));
