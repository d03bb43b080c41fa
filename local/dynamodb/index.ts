/**
 * The local DynamoDB: dynalite in-process (in memory, or on disk under `<dataDir>/dynamodb`), plus what
 * dynalite lacks and SDK users expect: TransactWriteItems, TransactGetItems and time to live.
 */
import { join } from 'node:path';
import type { AwsError } from '../core/errors';
import type {
  CallContext,
  Cloud,
  LocalContext,
  Operation,
  ResolvedResource,
  Service,
  ServiceFactory,
} from '../core/types';
import { createDynaliteEngine, DYNALITE_OPERATIONS } from './engine';
import { createTableRequest, ttlAttribute, UNSUPPORTED_TABLE_PROPERTIES } from './provision';
import { reconcileTable } from './reconcile';
import { createTransactions } from './transactions';
import { createTtl } from './ttl';

const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'] as const;

/** Options beyond the shared context (tests use them). */
export interface DynamoDbOptions {
  /** Milliseconds between TTL sweeps. @default 5000 */
  readonly ttlSweepMs?: number;
}

/** Build the DynamoDB service for a local cloud. */
export const createDynamoDbService = (ctx: LocalContext, _cloud?: Cloud, options: DynamoDbOptions = {}): Service => {
  const folder = ctx.dataDir ? join(ctx.dataDir, 'dynamodb') : undefined;
  const engine = createDynaliteEngine({
    ...(folder ? { path: join(folder, 'db') } : {}),
    region: ctx.region,
    accountId: ctx.accountId,
  });
  const ttl = createTtl({
    engine,
    log: ctx.log,
    ...(folder ? { file: join(folder, 'ttl.json') } : {}),
    ...(options.ttlSweepMs ? { intervalMs: options.ttlSweepMs } : {}),
  });
  const transactions = createTransactions(engine);

  const operations: Record<string, Operation> = Object.fromEntries(
    DYNALITE_OPERATIONS.map((op) => [op, (input: unknown) => engine.call(op, input)]),
  );
  // dynalite ignores ReturnValuesOnConditionCheckFailure: the failed item is read back and put on the error,
  // where SDK users (Powertools idempotency among them) look for it.
  for (const op of ['PutItem', 'UpdateItem', 'DeleteItem'] as const) {
    operations[op] = async (input: {
      TableName?: string;
      Key?: unknown;
      Item?: Record<string, unknown>;
      ReturnValuesOnConditionCheckFailure?: string;
    }) => {
      try {
        return await engine.call(op, input);
      } catch (e) {
        if (
          input?.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD' ||
          (e as AwsError).code !== 'ConditionalCheckFailedException'
        )
          throw e;
        const key = input.Key ?? (await transactions.keyOf(String(input.TableName), input.Item ?? {}));
        const { Item } = await engine.call('GetItem', { TableName: input.TableName, Key: key, ConsistentRead: true });
        if (Item) (e as AwsError).fields = { Item };
        throw e;
      }
    };
  }
  /** Wait until a table reaches `status` (or is gone, for undefined): dynalite flips it on the next tick. */
  const settle = async (tableName: unknown, status: string | undefined): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const current = await engine
        .call('DescribeTable', { TableName: tableName })
        .then((d) => (d.Table as { TableStatus?: string } | undefined)?.TableStatus)
        .catch((e: AwsError) => {
          if (e.code === 'ResourceNotFoundException') return undefined;
          throw e;
        });
      if (current === status) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // Answer table changes once they are done, so the next call finds the table ready (or gone), as a waiter would.
  operations.CreateTable = async (input: { TableName?: string }) => {
    const out = await engine.call('CreateTable', input);
    await settle(input.TableName, 'ACTIVE');
    return out;
  };
  operations.UpdateTable = async (input: { TableName?: string }) => {
    const out = await engine.call('UpdateTable', input);
    await settle(input.TableName, 'ACTIVE');
    return out;
  };
  operations.DeleteTable = async (input: { TableName?: string }) => {
    const out = await engine.call('DeleteTable', input);
    await settle(input.TableName, undefined);
    if (input.TableName) ttl.forget(input.TableName);
    return out;
  };
  operations.TransactWriteItems = transactions.transactWriteItems;
  operations.TransactGetItems = transactions.transactGetItems;
  operations.UpdateTimeToLive = ttl.operations.UpdateTimeToLive;
  operations.DescribeTimeToLive = ttl.operations.DescribeTimeToLive;
  operations.DescribeEndpoints = async (_input: unknown, call: CallContext) => ({
    Endpoints: [{ Address: call.http?.host ?? new URL(ctx.endpoint).host, CachePeriodInMinutes: 1440 }],
  });

  const call = { requestId: 'provision', caller: 'dynamodb' };
  const create = async (request: Record<string, unknown>): Promise<void> => {
    await operations.CreateTable?.(request, call);
  };
  const drop = async (tableName: string): Promise<void> => {
    await operations.DeleteTable?.({ TableName: tableName }, call);
  };

  const provisionTable = async (resource: ResolvedResource): Promise<void> => {
    const request = createTableRequest(resource);
    const stored = await engine
      .call('DescribeTable', { TableName: request.TableName })
      .then((d) => d.Table as Record<string, unknown>)
      .catch((e: AwsError) => {
        if (e.code === 'ResourceNotFoundException') return undefined;
        throw e;
      });
    if (!stored) await create(request);
    else {
      const { rebuilt, items } = await reconcileTable(engine, stored, request, { drop, create });
      if (rebuilt)
        ctx.log.info('table rebuilt with its items to match the template indexes', {
          table: resource.physicalId,
          items,
        });
    }
    const attribute = ttlAttribute(resource);
    if (attribute) ttl.configure(resource.physicalId, attribute);
    if (resource.properties.StreamSpecification) {
      ctx.log.info('DynamoDB streams are not emulated: StreamSpecification accepted, no stream records', {
        table: resource.physicalId,
      });
    }
  };

  return {
    name: 'dynamodb',
    protocol: 'json1.0',
    targetPrefix: 'DynamoDB_20120810',
    signingNames: ['dynamodb'],
    operations,
    resourceTypes: TABLE_TYPES,
    unsupportedProperties: Object.fromEntries(TABLE_TYPES.map((t) => [t, UNSUPPORTED_TABLE_PROPERTIES])),
    provision: async (resources) => {
      for (const r of resources) {
        if ((TABLE_TYPES as readonly string[]).includes(r.type)) await provisionTable(r);
      }
    },
    start: async () => ttl.start(),
    stop: async () => {
      await ttl.stop();
      await engine.close();
    },
    info: () => ({ dynamodb: folder ?? 'in memory' }),
  };
};

/** Type check: the factory fits {@link ServiceFactory}. */
createDynamoDbService satisfies ServiceFactory;
