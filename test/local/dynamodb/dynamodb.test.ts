import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalCloud } from '../../../local/cloud';
import { localContext } from '../../../local/core/context';
import { createDynamoDbService } from '../../../local/dynamodb';
import type { CfnTemplate } from '../../../local/template';
import { clientConfig, memoryLogger, startTestCloud } from '../support/cloud';
import { tablesTemplate } from '../support/templates';

describe('the local DynamoDB through the edge', () => {
  let local: LocalCloud;
  let ddb: DynamoDBClient;
  let orders: string;

  beforeAll(async () => {
    local = await startTestCloud({ template: tablesTemplate(), stackName: 'Tables', services: ['dynamodb'] });
    ddb = new DynamoDBClient(clientConfig(local.endpoint));
    orders = local.outputs.Tables?.OrdersTableName as string;
  });
  afterAll(async () => {
    ddb.destroy();
    await local.stop();
  });

  it('creates the template tables with their names, keys and GSIs', async () => {
    const { TableNames } = await ddb.send(new ListTablesCommand({}));
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: orders }));

    expect(TableNames).toEqual(expect.arrayContaining([orders, 'stock-test']));
    expect(orders).toMatch(/^Tables-OrdersTable-[A-Z0-9]{12}$/);
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['byCustomer']);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('puts, gets and queries an item through a GSI', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: orders,
        Item: { orderId: { S: 'o-1' }, customerId: { S: 'c-1' }, placedAt: { S: '2026-01-01' }, total: { N: '1250' } },
      }),
    );

    const got = await ddb.send(new GetItemCommand({ TableName: orders, Key: { orderId: { S: 'o-1' } } }));
    const byCustomer = await ddb.send(
      new QueryCommand({
        TableName: orders,
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': { S: 'c-1' } },
      }),
    );

    expect(got.Item?.total).toEqual({ N: '1250' });
    expect(byCustomer.Items?.map((i) => i.orderId?.S)).toEqual(['o-1']);
  });

  it('answers ConditionalCheckFailedException when an update condition fails', async () => {
    await ddb.send(new PutItemCommand({ TableName: orders, Item: { orderId: { S: 'o-2' }, version: { N: '1' } } }));
    const stale = new UpdateItemCommand({
      TableName: orders,
      Key: { orderId: { S: 'o-2' } },
      UpdateExpression: 'SET version = :next',
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': { N: '7' }, ':next': { N: '8' } },
    });

    await expect(ddb.send(stale)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const after = await ddb.send(new GetItemCommand({ TableName: orders, Key: { orderId: { S: 'o-2' } } }));
    expect(after.Item?.version).toEqual({ N: '1' });
  });

  it('returns the existing item on a failed conditional put when asked with ReturnValuesOnConditionCheckFailure', async () => {
    await ddb.send(
      new PutItemCommand({ TableName: orders, Item: { orderId: { S: 'idem-1' }, status: { S: 'INPROGRESS' } } }),
    );
    const again = new PutItemCommand({
      TableName: orders,
      Item: { orderId: { S: 'idem-1' }, status: { S: 'COMPLETED' } },
      ConditionExpression: 'attribute_not_exists(orderId)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });

    const error = await ddb.send(again).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item).toEqual({
      orderId: { S: 'idem-1' },
      status: { S: 'INPROGRESS' },
    });
  });

  it('applies every write of a transaction whose conditions hold', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: 'stock-test',
        Item: { pk: { S: 'r1' }, sk: { S: 'ITEM#a' }, stock: { N: '3' } },
      }),
    );

    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'stock-test',
              Key: { pk: { S: 'r1' }, sk: { S: 'ITEM#a' } },
              UpdateExpression: 'SET #s = #s - :q',
              ConditionExpression: '#s >= :q',
              ExpressionAttributeNames: { '#s': 'stock' },
              ExpressionAttributeValues: { ':q': { N: '2' } },
            },
          },
          {
            Put: {
              TableName: orders,
              Item: { orderId: { S: 'o-3' } },
              ConditionExpression: 'attribute_not_exists(orderId)',
            },
          },
        ],
      }),
    );

    const stock = await ddb.send(
      new GetItemCommand({ TableName: 'stock-test', Key: { pk: { S: 'r1' }, sk: { S: 'ITEM#a' } } }),
    );
    const order = await ddb.send(new GetItemCommand({ TableName: orders, Key: { orderId: { S: 'o-3' } } }));
    expect(stock.Item?.stock).toEqual({ N: '1' });
    expect(order.Item).toBeDefined();
  });

  it('cancels the whole transaction with reasons per item when one condition fails', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: 'stock-test',
        Item: { pk: { S: 'r2' }, sk: { S: 'ITEM#b' }, stock: { N: '1' } },
      }),
    );
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: orders, Item: { orderId: { S: 'o-4' } } } },
        {
          Update: {
            TableName: 'stock-test',
            Key: { pk: { S: 'r2' }, sk: { S: 'ITEM#b' } },
            UpdateExpression: 'SET stock = stock - :q',
            ConditionExpression: 'stock >= :q',
            ExpressionAttributeValues: { ':q': { N: '5' } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    });

    const error = await ddb.send(command).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: { S: 'r2' }, sk: { S: 'ITEM#b' }, stock: { N: '1' } },
      },
    ]);
    const order = await ddb.send(new GetItemCommand({ TableName: orders, Key: { orderId: { S: 'o-4' } } }));
    expect(order.Item).toBeUndefined();
  });

  it('rejects a transaction with two operations on one item', async () => {
    const twice = new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: orders, Item: { orderId: { S: 'o-5' } } } },
        { Delete: { TableName: orders, Key: { orderId: { S: 'o-5' } } } },
      ],
    });

    await expect(ddb.send(twice)).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('serializes concurrent transactions so only one of two competing decrements succeeds', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: 'stock-test',
        Item: { pk: { S: 'r3' }, sk: { S: 'ITEM#c' }, stock: { N: '1' } },
      }),
    );
    const decrement = (orderId: string) =>
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: 'stock-test',
                Key: { pk: { S: 'r3' }, sk: { S: 'ITEM#c' } },
                UpdateExpression: 'SET stock = stock - :one',
                ConditionExpression: 'stock >= :one',
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
            { Put: { TableName: orders, Item: { orderId: { S: orderId } } } },
          ],
        }),
      );

    const results = await Promise.allSettled([decrement('o-6'), decrement('o-7')]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const stock = await ddb.send(
      new GetItemCommand({ TableName: 'stock-test', Key: { pk: { S: 'r3' }, sk: { S: 'ITEM#c' } } }),
    );
    expect(stock.Item?.stock).toEqual({ N: '0' });
  });

  it('reads several items in one TransactGetItems, empty for a missing one', async () => {
    const { Responses } = await ddb.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: orders, Key: { orderId: { S: 'o-1' } } } },
          { Get: { TableName: orders, Key: { orderId: { S: 'missing' } } } },
        ],
      }),
    );

    expect(Responses?.[0]?.Item?.customerId).toEqual({ S: 'c-1' });
    expect(Responses?.[1]?.Item).toBeUndefined();
  });

  it('reports the TTL the template enabled and lets it be switched off', async () => {
    const before = await ddb.send(new DescribeTimeToLiveCommand({ TableName: orders }));
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'stock-test',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
      }),
    );
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'stock-test',
        TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' },
      }),
    );
    const stock = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'stock-test' }));

    expect(before.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    expect(stock.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  it('answers ResourceNotFoundException for an unknown table', async () => {
    await expect(ddb.send(new GetItemCommand({ TableName: 'nope', Key: { id: { S: 'x' } } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('DynamoDB TTL sweeping', () => {
  it('deletes items whose TTL attribute is in the past and keeps the others', async () => {
    const service = createDynamoDbService(localContext({ log: memoryLogger() }), undefined, { ttlSweepMs: 20 });
    const call = (op: string, input: unknown) =>
      (service.operations[op] as (i: unknown, c: unknown) => Promise<Record<string, unknown>>)(input, {
        requestId: 'r',
        caller: 'test',
      });
    try {
      await call('CreateTable', {
        TableName: 'sessions',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      });
      await call('UpdateTimeToLive', {
        TableName: 'sessions',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' },
      });
      const now = Math.floor(Date.now() / 1000);
      await call('PutItem', { TableName: 'sessions', Item: { id: { S: 'old' }, exp: { N: String(now - 10) } } });
      await call('PutItem', { TableName: 'sessions', Item: { id: { S: 'new' }, exp: { N: String(now + 3600) } } });
      await call('PutItem', { TableName: 'sessions', Item: { id: { S: 'none' } } });

      await service.start?.();
      const deadline = Date.now() + 10_000;
      let remaining: string[] = [];
      do {
        const scan = await call('Scan', { TableName: 'sessions' });
        remaining = (scan.Items as { id: { S: string } }[]).map((i) => i.id.S).sort();
        if (remaining.length === 2) break;
        await new Promise((r) => setTimeout(r, 50));
      } while (Date.now() < deadline);

      expect(remaining).toEqual(['new', 'none']);
    } finally {
      await service.stop?.();
    }
  }, 15_000);
});

describe('DynamoDB persistence', () => {
  it('rebuilds a stored table with its items when the template adds an index, and refuses a key change', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dishpatch-reindex-'));
    const start = (template: CfnTemplate) =>
      startTestCloud({ template, stackName: 'Tables', services: ['dynamodb'], dataDir });
    try {
      const first = await start(tablesTemplate());
      const client1 = new DynamoDBClient(clientConfig(first.endpoint));
      await client1.send(
        new PutItemCommand({
          TableName: 'stock-test',
          Item: { pk: { S: 'r1' }, sk: { S: 'ITEM#a' }, kind: { S: 'ITEM' } },
        }),
      );
      client1.destroy();
      await first.stop();

      const withIndex = tablesTemplate();
      const stock = withIndex.Resources?.StockTable?.Properties as Record<string, unknown[]>;
      stock.AttributeDefinitions?.push({ AttributeName: 'kind', AttributeType: 'S' });
      stock.GlobalSecondaryIndexes = [
        {
          IndexName: 'byKind',
          KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ];
      const second = await start(withIndex);
      const client2 = new DynamoDBClient(clientConfig(second.endpoint));
      const byKind = await client2.send(
        new QueryCommand({
          TableName: 'stock-test',
          IndexName: 'byKind',
          KeyConditionExpression: 'kind = :k',
          ExpressionAttributeValues: { ':k': { S: 'ITEM' } },
        }),
      );
      client2.destroy();
      await second.stop();

      const otherKeys = tablesTemplate();
      (otherKeys.Resources?.StockTable?.Properties as Record<string, unknown>).KeySchema = [
        { AttributeName: 'pk', KeyType: 'HASH' },
      ];
      const refused = await start(otherKeys).catch((e: unknown) => e);

      expect(byKind.Items?.map((i) => i.sk?.S)).toEqual(['ITEM#a']);
      expect((refused as Error).message).toMatch(/stock-test in the data folder has other keys/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps the items written before the process was killed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dishpatch-kill-'));
    const templateFile = join(dataDir, 'tables.template.json');
    writeFileSync(templateFile, JSON.stringify(tablesTemplate()));
    try {
      const script = join(__dirname, '..', 'support', 'write-then-die.ts');
      const child = spawnSync(process.execPath, ['--import', 'tsx', script, dataDir, templateFile, '20'], {
        cwd: join(__dirname, '..', '..', '..'),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.signal).toBe('SIGKILL');
      expect(child.stdout).toContain('written');

      const local = await startTestCloud({
        template: templateFile,
        stackName: 'Tables',
        services: ['dynamodb'],
        dataDir,
      });
      const ddb = new DynamoDBClient(clientConfig(local.endpoint));
      const last = await ddb.send(
        new GetItemCommand({ TableName: local.outputs.Tables?.OrdersTableName, Key: { orderId: { S: 'killed-19' } } }),
      );
      ddb.destroy();
      await local.stop();

      expect(last.Item).toEqual({ orderId: { S: 'killed-19' } });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('keeps tables and items across a restart on the same data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dishpatch-ddb-'));
    try {
      const first = await startTestCloud({
        template: tablesTemplate(),
        stackName: 'Tables',
        services: ['dynamodb'],
        dataDir,
      });
      const table = first.outputs.Tables?.OrdersTableName as string;
      const client1 = new DynamoDBClient(clientConfig(first.endpoint));
      await client1.send(new PutItemCommand({ TableName: table, Item: { orderId: { S: 'kept' }, n: { N: '42' } } }));
      client1.destroy();
      await first.stop();

      const second = await startTestCloud({
        template: tablesTemplate(),
        stackName: 'Tables',
        services: ['dynamodb'],
        dataDir,
      });
      const client2 = new DynamoDBClient(clientConfig(second.endpoint));
      const got = await client2.send(
        new GetItemCommand({ TableName: second.outputs.Tables?.OrdersTableName, Key: { orderId: { S: 'kept' } } }),
      );
      const ttl = await client2.send(new DescribeTimeToLiveCommand({ TableName: table }));
      client2.destroy();
      await second.stop();

      expect(second.outputs.Tables?.OrdersTableName).toBe(table);
      expect(got.Item?.n).toEqual({ N: '42' });
      expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DynamoDB operations called by other services', () => {
  it('leave the caller input untouched and answer typed errors', async () => {
    const local = await startTestCloud({ template: tablesTemplate(), stackName: 'Tables', services: ['dynamodb'] });
    try {
      const input = { TableName: 'stock-test', Item: { pk: { S: 'p' }, sk: { S: 's' } }, NotAnAwsField: 'kept' };

      await local.cloud.call('dynamodb', 'PutItem', input, 'states');
      const error = await local.cloud
        .call('dynamodb', 'PutItem', { TableName: 'stock-test', Item: { pk: { S: 'p' } } })
        .catch((e: unknown) => e);

      expect(input.NotAnAwsField).toBe('kept');
      expect(error).toMatchObject({ code: 'ValidationException', message: expect.stringContaining('key') });
    } finally {
      await local.stop();
    }
  });
});
