import '../support/env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as getAddresses } from '../../../functions/profile/get-addresses';
import { handler as getFavorites } from '../../../functions/profile/get-favorites';
import { handler as getProfile } from '../../../functions/profile/get-profile';
import { apiEvent, call, callers } from '../support/api';

const table = mockClient(DynamoDBDocumentClient);
const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345' };

/** Alice's partition: her profile, a live and a removed address, a live and a removed favorite. */
const aliceItems = [
  { userId: 'user-alice', sk: 'ADDRESS#a-1', addressId: 'a-1', address, updatedAt: 1, commandId: 'c1' },
  { userId: 'user-alice', sk: 'ADDRESS#a-2', addressId: 'a-2', deleted: true, updatedAt: 2, commandId: 'c2' },
  { userId: 'user-alice', sk: 'FAVORITE#r-2', restaurantId: 'r-2', addedAt: '2026-11-22T12:00:00.000Z', updatedAt: 3 },
  { userId: 'user-alice', sk: 'FAVORITE#r-1', restaurantId: 'r-1', addedAt: '2026-11-21T12:00:00.000Z', updatedAt: 4 },
  { userId: 'user-alice', sk: 'FAVORITE#r-3', restaurantId: 'r-3', deleted: true, updatedAt: 5 },
];
const aliceProfile = {
  userId: 'user-alice',
  sk: 'PROFILE',
  email: 'alice@example.com',
  name: 'Alice',
  createdAt: '2026-11-01T00:00:00.000Z',
  createdBy: 'sign-up',
};

/** A request of alice whose authorizer context carries her e-mail claim. */
const aliceRequest = () => {
  const event = apiEvent({ caller: callers.alice });
  (event.requestContext.authorizer as Record<string, unknown>).email = 'alice@example.com';
  return event;
};

beforeEach(() => {
  table.reset();
});

describe('GET /profile', () => {
  it("answers the caller's profile with live addresses and favorites (oldest favorite first), from her partition only", async () => {
    table.on(QueryCommand).resolves({ Items: [aliceProfile, ...aliceItems] });

    const res = await call(getProfile, aliceRequest());

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({
      userId: 'user-alice',
      email: 'alice@example.com',
      name: 'Alice',
      createdAt: '2026-11-01T00:00:00.000Z',
      addresses: [{ addressId: 'a-1', ...address }],
      favorites: [
        { restaurantId: 'r-1', addedAt: '2026-11-21T12:00:00.000Z' },
        { restaurantId: 'r-2', addedAt: '2026-11-22T12:00:00.000Z' },
      ],
    });
    expect(table).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':u': 'user-alice' } });
    expect(table).not.toHaveReceivedCommand(PutCommand);
  });

  it('pages through a large partition', async () => {
    table
      .on(QueryCommand)
      .resolvesOnce({ Items: [aliceProfile], LastEvaluatedKey: { userId: 'user-alice', sk: 'PROFILE' } })
      .resolvesOnce({ Items: aliceItems });

    const res = await call(getProfile, aliceRequest());

    expect(res.body.addresses).toHaveLength(1);
    expect(table.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      userId: 'user-alice',
      sk: 'PROFILE',
    });
  });

  it('creates the record from the token for a user without one (seeded users never confirm a sign-up)', async () => {
    table.on(QueryCommand).resolves({ Items: [] });
    table.on(PutCommand).resolves({});

    const res = await call(getProfile, aliceRequest());

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ userId: 'user-alice', email: 'alice@example.com', name: 'alice', addresses: [] });
    expect(table).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ userId: 'user-alice', sk: 'PROFILE', createdBy: 'token' }),
      ConditionExpression: 'attribute_not_exists(sk)',
    });
  });

  it('keeps a record written concurrently by the trigger instead of overwriting it', async () => {
    table.on(QueryCommand).resolves({ Items: [] });
    table.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    table.on(GetCommand).resolves({ Item: aliceProfile });

    const res = await call(getProfile, aliceRequest());

    expect(res.body.name).toBe('Alice');
  });

  it('answers 401 without an authorizer context, reading nothing', async () => {
    const res = await call(getProfile, apiEvent({}));

    expect(res.statusCode).toBe(401);
    expect(table).not.toHaveReceivedCommand(QueryCommand);
  });
});

describe('GET /profile/addresses and /profile/favorites', () => {
  beforeEach(() => {
    table.on(QueryCommand).resolves({ Items: aliceItems });
  });

  it('answers the live addresses only', async () => {
    const res = await call(getAddresses, apiEvent({ caller: callers.alice }));

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ addresses: [{ addressId: 'a-1', ...address }] });
  });

  it('answers the live favorites with the time they were added', async () => {
    const res = await call(getFavorites, apiEvent({ caller: callers.bob }));

    expect(res.statusCode).toBe(200);
    expect(res.body.favorites.map((f: { restaurantId: string }) => f.restaurantId)).toEqual(['r-1', 'r-2']);
    expect(table).toHaveReceivedCommandWith(QueryCommand, { ExpressionAttributeValues: { ':u': 'user-bob' } });
  });
});
