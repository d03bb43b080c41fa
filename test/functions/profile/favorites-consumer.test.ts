import '../support/env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/profile/favorites-consumer';
import { lambdaContext } from '../support/api';

const table = mockClient(DynamoDBDocumentClient);
const AT = 1_795_348_800_000;

function record(id: string, attributes: Record<string, string | undefined>, body: unknown): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) messageAttributes[name] = { stringValue: value, dataType: 'String' };
  }
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:favorites',
    awsRegion: 'us-east-1',
  };
}

const favorite = (id: string, command: string, restaurantId: string, extra: Record<string, string | undefined> = {}) =>
  record(
    id,
    { command, userId: 'user-alice', commandId: `cmd-${id}`, requestedAt: String(AT), ...extra },
    { restaurantId },
  );

const invoke = (...records: SQSRecord[]) => handler({ Records: records } as SQSEvent, lambdaContext());

beforeEach(() => {
  table.reset();
  table.on(UpdateCommand).resolves({});
  // Every restaurant exists but `r-gone`.
  table
    .on(GetCommand)
    .callsFake(({ TableName, Key }) =>
      TableName === 'restaurants' && Key.pk !== 'r-gone' ? { Item: { pk: Key.pk, sk: Key.sk, name: 'R' } } : {},
    );
});

describe('FavoritesConsumer', () => {
  it('adds a favorite keeping the first addedAt, only if the command is newer than the stored one', async () => {
    const result = await invoke(favorite('1', 'AddFavorite', 'r-1'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(table).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'profile',
      Key: { userId: 'user-alice', sk: 'FAVORITE#r-1' },
      UpdateExpression:
        'SET restaurantId = :r, addedAt = if_not_exists(addedAt, :addedAt), updatedAt = :at, commandId = :cid REMOVE deleted, expiresAt',
      ConditionExpression: 'attribute_not_exists(sk) OR updatedAt < :at OR (updatedAt = :at AND commandId < :cid)',
      ExpressionAttributeValues: {
        ':r': 'r-1',
        ':addedAt': new Date(AT).toISOString(),
        ':at': AT,
        ':cid': 'cmd-1',
      },
    });
  });

  it('adds nothing for a restaurant that does not exist, and does not send the command back to the queue', async () => {
    const result = await invoke(favorite('1', 'AddFavorite', 'r-gone'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(table).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'restaurants',
      Key: { pk: 'r-gone', sk: 'RESTAURANT' },
    });
    expect(table).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('removes a favorite with a tombstone, so an older add arriving later does not bring it back', async () => {
    await invoke(favorite('1', 'RemoveFavorite', 'r-1'));

    const input = table.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toBe(
      'SET restaurantId = :r, deleted = :true, updatedAt = :at, commandId = :cid, expiresAt = :exp REMOVE addedAt',
    );
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':true': true, ':at': AT });
  });

  it('reports only the poison records as batch item failures; the rest of the batch is applied', async () => {
    const result = await invoke(
      favorite('1', 'AddFavorite', 'r-1'),
      favorite('2', 'AddFavorite', 'r-2', { userId: undefined }),
      favorite('3', 'ShareFavorite', 'r-3'),
      record('4', { command: 'AddFavorite', userId: 'u', commandId: 'c', requestedAt: '1' }, 'not json'),
      favorite('5', 'RemoveFavorite', 'r-5'),
    );

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: '2' },
      { itemIdentifier: '3' },
      { itemIdentifier: '4' },
    ]);
    expect(table).toHaveReceivedCommandTimes(UpdateCommand, 2);
  });

  it('treats a redelivered or superseded command as done, not as a failure', async () => {
    table.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));

    await expect(invoke(favorite('1', 'AddFavorite', 'r-1'))).resolves.toEqual({ batchItemFailures: [] });
  });

  it('returns a record whose write failed to the queue for a retry', async () => {
    table.on(UpdateCommand, { Key: { userId: 'user-alice', sk: 'FAVORITE#r-2' } }).rejects(new Error('throttled'));

    const result = await invoke(favorite('1', 'AddFavorite', 'r-1'), favorite('2', 'AddFavorite', 'r-2'));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
  });
});
