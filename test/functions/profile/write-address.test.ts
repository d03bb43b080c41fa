import '../support/env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TOMBSTONE_TTL_SECONDS } from '../../../functions/profile/profile-repository';
import { handler } from '../../../functions/profile/write-address';
import { lambdaContext } from '../support/api';

const table = mockClient(DynamoDBDocumentClient);
const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

function command(type: string, detail: Record<string, unknown> = {}): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': type,
    source: 'dishpatch.profile',
    account: '000000000000',
    time: '2026-11-22T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      version: 1,
      userId: 'user-alice',
      addressId: 'a-1',
      commandId: 'cmd-2',
      requestedAt: 1_795_348_800_000,
      ...(type === 'AddressRemoved' ? {} : { address }),
      ...detail,
    },
  };
}

const invoke = (event: EventBridgeEvent<string, unknown>) => handler(event, lambdaContext());

beforeEach(() => {
  table.reset();
  table.on(PutCommand).resolves({});
});

describe('AddressWriter', () => {
  it.each(['AddressAdded', 'AddressUpdated'])(
    'stores the whole address for %s, only if newer than what is stored',
    async (type) => {
      const result = await invoke(command(type));

      expect(result).toEqual({ outcome: 'applied' });
      expect(table).toHaveReceivedCommandWith(PutCommand, {
        TableName: 'profile',
        Item: {
          userId: 'user-alice',
          sk: 'ADDRESS#a-1',
          addressId: 'a-1',
          address,
          updatedAt: 1_795_348_800_000,
          commandId: 'cmd-2',
        },
        ConditionExpression: 'attribute_not_exists(sk) OR updatedAt < :at OR (updatedAt = :at AND commandId < :cid)',
        ExpressionAttributeValues: { ':at': 1_795_348_800_000, ':cid': 'cmd-2' },
      });
    },
  );

  it('replaces a removed address with a tombstone that expires after the redelivery window', async () => {
    await invoke(command('AddressRemoved'));

    const item = table.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(item).toEqual({
      userId: 'user-alice',
      sk: 'ADDRESS#a-1',
      addressId: 'a-1',
      deleted: true,
      updatedAt: 1_795_348_800_000,
      commandId: 'cmd-2',
      expiresAt: 1_795_348_800 + TOMBSTONE_TTL_SECONDS,
    });
    expect(item).not.toHaveProperty('address');
  });

  it('succeeds without change when a newer or the same command is already stored (redelivery, reordering)', async () => {
    table.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));

    await expect(invoke(command('AddressAdded'))).resolves.toEqual({ outcome: 'superseded' });
  });

  it('throws on a malformed command, so it is retried and then dead-lettered instead of vanishing', async () => {
    await expect(invoke(command('AddressAdded', { address: { city: 'x' } }))).rejects.toThrow('Invalid event');
    await expect(invoke(command('AddressArchived'))).rejects.toThrow('Invalid event');
    expect(table).not.toHaveReceivedCommand(PutCommand);
  });

  it('throws on a storage failure, so EventBridge and Lambda retry it', async () => {
    table.on(PutCommand).rejects(new Error('throttled'));

    await expect(invoke(command('AddressUpdated'))).rejects.toThrow('throttled');
  });
});
