import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * SDK clients, created once per execution environment and traced. Endpoints come from the standard
 * `AWS_ENDPOINT_URL*` variables, so the same code talks to AWS or to the local cloud.
 */
export const dynamoDbClient = tracer.captureAWSv3Client(new DynamoDBClient({}));

/** Document client over {@link dynamoDbClient}: plain JS values in and out, undefined attributes dropped. */
export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});

/**
 * Step Functions client. `disableHostPrefix` because `StartSyncExecution` otherwise prepends `sync-` to
 * the host, which cannot resolve for a local endpoint such as 127.0.0.1 (NOTES.md); AWS accepts both.
 */
export const sfnClient = tracer.captureAWSv3Client(new SFNClient({ disableHostPrefix: true }));

/** EventBridge client, used only through the validating producer in `event-publisher.ts`. */
export const eventBridgeClient = tracer.captureAWSv3Client(new EventBridgeClient({}));
