/**
 * The profile service (CQRS) end to end: address commands through API Gateway → EventBridge → writer, favorite
 * commands through API Gateway → SQS → batch consumer, the reads, the post-confirmation trigger, `GET /users`,
 * and `POST /orders` with a saved `addressId`. Commands are asynchronous: every read polls with a deadline.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListQueuesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ADDRESS, type ApiAnswer, type App, pollUntil, startApp, USERS } from './support/harness';
import { newKey, orderBody, subOf } from './support/orders';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

/**
 * The poison-message test runs on a second app with a time scale of 12: the favorites queue's 60 s visibility
 * timeout becomes 5 s, so the message reaches the dead-letter queue after its three receives within seconds. The
 * other tests keep real time (a scaled PlaceOrder would have only a second and a half to finish).
 */
const POISON_TIME_SCALE = 12;

let app: App;
let alice: string;
let bob: string;
let doc: DynamoDBDocumentClient;
let profileTable: string;

/** The profile table's name and the favorites queues' URLs of a running app. */
const profileResources = async (running: App) => {
  const tables = (await new DynamoDBClient(running.clientConfig).send(new ListTablesCommand({}))).TableNames ?? [];
  const queues = (await new SQSClient(running.clientConfig).send(new ListQueuesCommand({}))).QueueUrls ?? [];
  const found = {
    table: tables.find((name) => name.includes('ProfileTable')) ?? '',
    queue: queues.find((url) => url.includes('ProfileFavoritesQueue')) ?? '',
    deadLetterQueue: queues.find((url) => url.includes('ProfileFavoritesDeadLetterQueue')) ?? '',
  };
  if (!found.table || !found.queue || !found.deadLetterQueue) {
    throw new Error(`profile resources not found: ${JSON.stringify({ tables, queues })}`);
  }
  return found;
};

beforeAll(async () => {
  app = await startApp();
  [alice, bob] = await Promise.all([app.token(USERS.alice), app.token(USERS.bob)]);
  doc = DynamoDBDocumentClient.from(new DynamoDBClient(app.clientConfig));
  profileTable = (await profileResources(app)).table;
});

afterAll(async () => {
  await app?.stop();
});

const addresses = (token: string) => app.call('GET', '/profile/addresses', { token });
const favorites = (token: string) => app.call('GET', '/profile/favorites', { token });

/** Polls a read until `done` holds for its 200 body. */
const readUntil = (read: () => Promise<ApiAnswer>, done: (body: ApiAnswer['body']) => boolean, what: string) =>
  pollUntil(read, (res) => res.status === 200 && done(res.body), { timeoutMs: 30_000, what });

const addressIds = (body: { addresses: { addressId: string }[] }) => body.addresses.map((a) => a.addressId).sort();
const favoriteIds = (body: { favorites: { restaurantId: string }[] }) =>
  body.favorites.map((f) => f.restaurantId).sort();

/** Every item stored for a user (tombstones included), read straight from the table. */
const storedItems = async (userId: string) =>
  (
    await doc.send(
      new QueryCommand({
        TableName: profileTable,
        KeyConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': userId },
      }),
    )
  ).Items ?? [];

describe('addresses (API Gateway → EventBridge → writer)', () => {
  it('adds, updates and removes an address and shows each state through the reads', async () => {
    // Act: add
    const added = await app.call('POST', '/profile/addresses', { token: alice, body: ADDRESS });

    // Assess
    expect(added.status).toBe(202);
    expect(added.body).toEqual({ commandId: expect.any(String), addressId: added.body.commandId });
    const { addressId } = added.body;
    const afterAdd = await readUntil(
      () => addresses(alice),
      (b) => addressIds(b).includes(addressId),
      'the new address',
    );
    expect(afterAdd.body.addresses).toContainEqual({ addressId, ...ADDRESS });

    // Act: update
    const updated = await app.call('PUT', `/profile/addresses/${addressId}`, {
      token: alice,
      body: { ...ADDRESS, line1: '2 Elm St', instructions: 'Ring twice' },
    });
    expect(updated.status).toBe(202);
    await readUntil(
      () => addresses(alice),
      (b) =>
        b.addresses.some(
          (a: { addressId: string; line1: string }) => a.addressId === addressId && a.line1 === '2 Elm St',
        ),
      'the updated address',
    );

    // Act: remove
    const removed = await app.call('DELETE', `/profile/addresses/${addressId}`, { token: alice });
    expect(removed.status).toBe(202);
    await readUntil(
      () => addresses(alice),
      (b) => !addressIds(b).includes(addressId),
      'the address to go',
    );
    const profile = await app.call('GET', '/profile', { token: alice });
    expect(profile.body.addresses.map((a: { addressId: string }) => a.addressId)).not.toContain(addressId);
  });

  it('answers 400 for malformed address commands and delivers none of them', async () => {
    // Prepare: a fresh customer, so their partition holds only what this test sends.
    const carol = await app.newCustomer('carol');
    const carolId = subOf(carol);

    // Act
    const answers = await Promise.all([
      app.call('POST', '/profile/addresses', { token: carol, body: { city: 'Springfield', postalCode: '1' } }),
      app.call('POST', '/profile/addresses', { token: carol, body: { ...ADDRESS, userId: 'someone-else' } }),
      app.call('POST', '/profile/addresses', { token: carol, body: { ...ADDRESS, country: 'usa' } }),
      app.call('POST', '/profile/addresses', {
        token: carol,
        rawBody: '{"line1":',
        headers: { 'Content-Type': 'application/json' },
      }),
      app.call('PUT', '/profile/addresses/a-1', { token: carol, body: { line1: '' } }),
    ]);
    // A valid command after them: once it is applied, anything delivered before it would be stored too.
    const valid = await app.call('POST', '/profile/addresses', { token: carol, body: ADDRESS });

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(valid.status).toBe(202);
    await readUntil(
      () => addresses(carol),
      (b) => b.addresses.length > 0,
      'the valid address',
    );
    const items = await storedItems(carolId);
    expect(items.filter((item) => String(item.sk).startsWith('ADDRESS#')).map((item) => item.addressId)).toEqual([
      valid.body.addressId,
    ]);
  });

  it('answers 401 without a token and writes nothing', async () => {
    const answers = await Promise.all([
      app.call('POST', '/profile/addresses', { body: ADDRESS }),
      app.call('PUT', '/profile/favorites/r-pizzeria'),
      app.call('GET', '/profile'),
      app.call('GET', '/users'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
  });

  it('ignores a removal that overtook its add, and a redelivered add (events put on the bus out of order)', async () => {
    // Prepare: commands as the gateway would have put them, delivered remove-first, then the add twice.
    const userId = subOf(await app.newCustomer('dave'));
    const events = new EventBridgeClient(app.clientConfig);
    const entry = (type: string, requestedAt: number, extra: Record<string, unknown> = {}) => ({
      EventBusName: app.out('EventBusName'),
      Source: 'dishpatch.profile',
      DetailType: type,
      Detail: JSON.stringify({
        version: 1,
        userId,
        addressId: 'a-late',
        commandId: randomUUID(),
        requestedAt,
        ...extra,
      }),
    });
    const add = entry('AddressAdded', 1_000, { address: ADDRESS });
    const marker = entry('AddressAdded', 3_000, { addressId: 'a-marker', address: ADDRESS });

    // Act
    await events.send(new PutEventsCommand({ Entries: [entry('AddressRemoved', 2_000)] }));
    await pollUntil(
      () => storedItems(userId),
      (items) => items.some((item) => item.addressId === 'a-late' && item.deleted === true),
      { what: 'the tombstone' },
    );
    await events.send(new PutEventsCommand({ Entries: [add, add, marker] }));
    await pollUntil(
      () => storedItems(userId),
      (items) => items.some((item) => item.addressId === 'a-marker'),
      { what: 'the marker address' },
    );

    // Assess: the older add never resurrected the removed address.
    const items = await storedItems(userId);
    expect(items.find((item) => item.addressId === 'a-late')).toMatchObject({ deleted: true, updatedAt: 2_000 });
  });
});

describe('favorites (API Gateway → SQS → batch consumer)', () => {
  it('adds and removes favorites and shows them with the time they were added', async () => {
    // Act
    const answers = await Promise.all([
      app.call('PUT', '/profile/favorites/r-pizzeria', { token: alice }),
      app.call('PUT', '/profile/favorites/r-sushi', { token: alice }),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(answers[0]?.body).toEqual({ commandId: expect.any(String) });
    const both = await readUntil(
      () => favorites(alice),
      (b) => favoriteIds(b).includes('r-pizzeria') && favoriteIds(b).includes('r-sushi'),
      'both favorites',
    );
    for (const favorite of both.body.favorites) {
      expect(Number.isNaN(Date.parse(favorite.addedAt))).toBe(false);
    }

    // Act: remove one, and re-add an existing one (idempotent)
    await app.call('DELETE', '/profile/favorites/r-sushi', { token: alice });
    await app.call('PUT', '/profile/favorites/r-pizzeria', { token: alice });
    await readUntil(
      () => favorites(alice),
      (b) => !favoriteIds(b).includes('r-sushi'),
      'the removal',
    );
    const after = await favorites(alice);
    expect(after.body.favorites.filter((f: { restaurantId: string }) => f.restaurantId === 'r-pizzeria')).toHaveLength(
      1,
    );
  });

  it('dead-letters a poison message after its retries while the rest of its batch succeeds', async () => {
    // Prepare: a time-scaled app; one user, three good commands and one without a user id, sent as one batch.
    const scaled = await startApp({ timeScale: POISON_TIME_SCALE });
    try {
      await poisonScenario(scaled);
    } finally {
      await scaled.stop();
    }
  });
});

/** The poison-message scenario on `running` (a time-scaled app). */
const poisonScenario = async (running: App): Promise<void> => {
  const { table, queue: favoritesQueueUrl, deadLetterQueue: favoritesDlqUrl } = await profileResources(running);
  const sqs = new SQSClient(running.clientConfig);
  const scaledDoc = DynamoDBDocumentClient.from(new DynamoDBClient(running.clientConfig));
  const favoritesOf = async (userId: string) =>
    (
      await scaledDoc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'userId = :u AND begins_with(sk, :f)',
          ExpressionAttributeValues: { ':u': userId, ':f': 'FAVORITE#' },
        }),
      )
    ).Items ?? [];
  const userId = subOf(await running.newCustomer('erin'));
  const attributes = (command: string, user?: string) => ({
    command: { DataType: 'String', StringValue: command },
    ...(user ? { userId: { DataType: 'String', StringValue: user } } : {}),
    commandId: { DataType: 'String', StringValue: randomUUID() },
    requestedAt: { DataType: 'Number', StringValue: String(Date.now()) },
  });
  const good = ['r-pizzeria', 'r-sushi', 'r-taqueria'].map((restaurantId, i) => ({
    Id: `good-${i}`,
    MessageBody: JSON.stringify({ restaurantId }),
    MessageAttributes: attributes('AddFavorite', userId),
  }));
  const poison = {
    Id: 'poison',
    MessageBody: JSON.stringify({ restaurantId: 'r-poison' }),
    MessageAttributes: attributes('AddFavorite'),
  };
  // Well formed, but the restaurant does not exist: dropped by the consumer, neither stored nor dead-lettered.
  const unknown = {
    Id: 'unknown',
    MessageBody: JSON.stringify({ restaurantId: 'r-nowhere' }),
    MessageAttributes: attributes('AddFavorite', userId),
  };

  // Act
  const sent = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: favoritesQueueUrl,
      Entries: [good[0]!, poison, good[1]!, unknown, good[2]!],
    }),
  );

  // Assess: the good three are stored...
  expect(sent.Failed ?? []).toEqual([]);
  await pollUntil(
    () => favoritesOf(userId),
    (items) => items.length === 3,
    {
      timeoutMs: 30_000,
      what: 'the three good favorites',
    },
  );
  // ...and the poison message lands in the dead-letter queue after its receives.
  const poisonId = sent.Successful?.find((s) => s.Id === 'poison')?.MessageId;
  const dead = await pollUntil(
    async () =>
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: favoritesDlqUrl,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        )
      ).Messages ?? [],
    (messages) => messages.some((m) => m.MessageId === poisonId),
    { timeoutMs: 60_000, intervalMs: 250, what: 'the poison message in the dead-letter queue' },
  );
  expect(dead.find((m) => m.MessageId === poisonId)?.Body).toBe(JSON.stringify({ restaurantId: 'r-poison' }));
  expect(dead.map((m) => m.Body)).not.toContain(JSON.stringify({ restaurantId: 'r-nowhere' }));
  expect((await favoritesOf(userId)).map((item) => item.restaurantId).sort()).toEqual([
    'r-pizzeria',
    'r-sushi',
    'r-taqueria',
  ]);
};

describe('isolation between users', () => {
  it("never shows nor changes another user's addresses or favorites", async () => {
    // Prepare: an address and a favorite of alice
    const added = await app.call('POST', '/profile/addresses', {
      token: alice,
      body: { ...ADDRESS, line1: 'Alice only' },
    });
    const aliceAddress = added.body.addressId;
    await app.call('PUT', '/profile/favorites/r-taqueria', { token: alice });
    await readUntil(
      () => addresses(alice),
      (b) => addressIds(b).includes(aliceAddress),
      "alice's address",
    );
    await readUntil(
      () => favorites(alice),
      (b) => favoriteIds(b).includes('r-taqueria'),
      "alice's favorite",
    );

    // Act: bob reads, then "updates" and "removes" alice's address id and her favorite
    const bobReads = await Promise.all([app.call('GET', '/profile', { token: bob }), addresses(bob), favorites(bob)]);
    await app.call('PUT', `/profile/addresses/${aliceAddress}`, {
      token: bob,
      body: { ...ADDRESS, line1: 'Bob was here' },
    });
    await app.call('DELETE', `/profile/addresses/${aliceAddress}`, { token: bob });
    await app.call('DELETE', '/profile/favorites/r-taqueria', { token: bob });
    const bobId = subOf(bob);
    await pollUntil(
      () => storedItems(bobId),
      (items) =>
        items.some((i) => i.addressId === aliceAddress && i.deleted === true) &&
        items.some((i) => i.restaurantId === 'r-taqueria' && i.deleted === true),
      { what: "bob's own commands to be applied (to his partition)" },
    );

    // Assess
    expect(bobReads[0]?.body.userId).toBe(bobId);
    expect(JSON.stringify(bobReads.map((r) => r.body))).not.toContain(aliceAddress);
    const aliceNow = await app.call('GET', '/profile', { token: alice });
    expect(aliceNow.body.addresses).toContainEqual({ addressId: aliceAddress, ...ADDRESS, line1: 'Alice only' });
    expect(favoriteIds(aliceNow.body)).toContain('r-taqueria');
  });
});

describe('profile records', () => {
  it('creates the profile when a user confirms the sign-up (post-confirmation trigger)', async () => {
    const userId = subOf(await app.newCustomer('frank'));

    // Assess before any read, so the record cannot come from the lazy path.
    const stored = await pollUntil(
      () => doc.send(new GetCommand({ TableName: profileTable, Key: { userId, sk: 'PROFILE' } })),
      (res) => res.Item !== undefined,
      { what: 'the profile record' },
    );
    expect(stored.Item).toMatchObject({
      createdBy: 'sign-up',
      email: expect.stringMatching(/^frank-.*@dishpatch\.example$/),
    });
  });

  it('answers GET /profile for a seeded user who never confirmed a sign-up, from the token', async () => {
    const res = await app.call('GET', '/profile', { token: await app.token(USERS.courier) });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: USERS.courier, name: 'courier', addresses: [], favorites: [] });
    const stored = await doc.send(
      new GetCommand({ TableName: profileTable, Key: { userId: res.body.userId, sk: 'PROFILE' } }),
    );
    expect(stored.Item).toMatchObject({ createdBy: 'token' });
  });
});

describe('GET /users', () => {
  it('answers 403 FORBIDDEN to everyone but admins', async () => {
    for (const email of [USERS.alice, USERS.pizzeriaStaff, USERS.courier]) {
      const res = await app.call('GET', '/users', { token: await app.token(email) });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
  });

  it('pages through every user for an admin', async () => {
    const admin = await app.token(USERS.admin);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const query = `?limit=2${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`;
      const res = await app.call('GET', `/users${query}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.users.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.users.map((u: { email: string }) => u.email));
      nextToken = res.body.nextToken;
      pages++;
    } while (nextToken && pages < 50);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(expect.arrayContaining(Object.values(USERS)));
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('POST /orders with a saved address', () => {
  it("delivers to the caller's saved address, and answers 404 for another user's", async () => {
    // Prepare
    const added = await app.call('POST', '/profile/addresses', {
      token: alice,
      body: { ...ADDRESS, line1: '9 Saved Rd' },
    });
    const addressId = added.body.addressId;
    await readUntil(
      () => addresses(alice),
      (b) => addressIds(b).includes(addressId),
      'the saved address',
    );
    const { deliveryAddress: _inline, ...body } = orderBody();

    // Act
    const mine = await app.call('POST', '/orders', {
      token: alice,
      body: { ...body, addressId },
      headers: { 'Idempotency-Key': newKey() },
    });
    const theirs = await app.call('POST', '/orders', {
      token: bob,
      body: { ...body, addressId },
      headers: { 'Idempotency-Key': newKey() },
    });

    // Assess
    expect(mine.status).toBe(201);
    expect(mine.body.deliveryAddress).toMatchObject({ addressId, line1: '9 Saved Rd', city: ADDRESS.city });
    expect(theirs.status).toBe(404);
  });
});
