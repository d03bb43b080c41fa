/**
 * TransactWriteItems and TransactGetItems on top of dynalite's single-item operations (dynalite has neither).
 * Transactions are serialized per table: every condition is checked first, under the locks of all tables
 * involved, and the writes happen only when all of them hold, so a transaction is all-or-nothing and isolated
 * from other transactions. A plain single-item write that hits the same item between the check and the write
 * is not held back (documented in docs/local-cloud.md).
 */
import { checkConditional } from 'dynalite/db';
import { AwsError } from '../core/errors';
import type { DynaliteEngine } from './engine';

type AttributeMap = Record<string, unknown>;
type Kind = 'ConditionCheck' | 'Put' | 'Delete' | 'Update';

interface PlannedItem {
  readonly kind: Kind;
  readonly operation: 'PutItem' | 'DeleteItem' | 'UpdateItem';
  readonly request: Record<string, unknown>;
  readonly parsed: Record<string, unknown>;
  readonly tableName: string;
  readonly key: AttributeMap;
  readonly returnOldOnFailure: boolean;
}

const KINDS: readonly Kind[] = ['ConditionCheck', 'Put', 'Delete', 'Update'];

const validation = (message: string): AwsError => new AwsError('ValidationException', message);

/** Only the expression names and values an expression still uses (dynalite rejects unused ones). */
const usedBy = (expression: string, map: unknown): AttributeMap | undefined => {
  if (!map || typeof map !== 'object') return undefined;
  const tokens = new Set(expression.match(/[#:][A-Za-z0-9_]+/g) ?? []);
  const kept = Object.entries(map as AttributeMap).filter(([k]) => tokens.has(k));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
};

/** The same write without its condition: conditions were already checked under the locks. */
const unconditional = (p: PlannedItem): Record<string, unknown> => {
  const {
    ConditionExpression: _c,
    ExpressionAttributeNames,
    ExpressionAttributeValues,
    Expected: _e,
    ...rest
  } = p.request;
  if (p.operation !== 'UpdateItem' || typeof rest.UpdateExpression !== 'string') return rest;
  const names = usedBy(rest.UpdateExpression, ExpressionAttributeNames);
  const values = usedBy(rest.UpdateExpression, ExpressionAttributeValues);
  return {
    ...rest,
    ...(names ? { ExpressionAttributeNames: names } : {}),
    ...(values ? { ExpressionAttributeValues: values } : {}),
  };
};

/** Per-table locks for transactions, taken in name order so two transactions cannot deadlock. */
const createTableLocks = () => {
  const tails = new Map<string, Promise<void>>();
  const lockOne = async (table: string): Promise<() => void> => {
    const previous = tails.get(table) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const tail = previous.then(() => next);
    tails.set(table, tail);
    await previous;
    return () => {
      release();
      if (tails.get(table) === tail) tails.delete(table);
    };
  };
  return async <T>(tables: Iterable<string>, fn: () => Promise<T>): Promise<T> => {
    const releases: (() => void)[] = [];
    try {
      for (const t of [...new Set(tables)].sort()) releases.push(await lockOne(t));
      return await fn();
    } finally {
      for (const r of releases.reverse()) r();
    }
  };
};

/** The two transaction operations, bound to one engine. */
export const createTransactions = (engine: DynaliteEngine) => {
  const withTables = createTableLocks();

  const keyAttributes = async (tableName: string): Promise<string[]> => {
    const out = (await engine.call('DescribeTable', { TableName: tableName })) as {
      Table?: { KeySchema?: { AttributeName: string }[] };
    };
    return (out.Table?.KeySchema ?? []).map((k) => k.AttributeName);
  };

  /** The key attributes of an item of a table. */
  const keyOf = async (tableName: string, item: AttributeMap): Promise<AttributeMap> =>
    Object.fromEntries((await keyAttributes(tableName)).map((a) => [a, item[a]]));

  const plan = async (item: unknown, index: number): Promise<PlannedItem> => {
    const entries = Object.entries((item ?? {}) as Record<string, unknown>).filter(([k]) => KINDS.includes(k as Kind));
    const [kind, body] = (entries.length === 1 ? entries[0] : []) as [
      Kind | undefined,
      Record<string, unknown> | undefined,
    ];
    if (!kind || !body || typeof body !== 'object') {
      throw validation(`TransactItems.${index + 1} must hold exactly one of ${KINDS.join(', ')}`);
    }
    const { ReturnValuesOnConditionCheckFailure, ...request } = body;
    if (kind === 'ConditionCheck' && typeof request.ConditionExpression !== 'string') {
      throw validation('ConditionCheck requires a ConditionExpression');
    }
    const operation = kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
    const parsed = engine.validate(operation, request);
    const tableName = String(request.TableName);
    let key = request.Key as AttributeMap | undefined;
    if (kind === 'Put') key = await keyOf(tableName, (request.Item ?? {}) as AttributeMap);
    return {
      kind,
      operation,
      request,
      parsed,
      tableName,
      key: key ?? {},
      returnOldOnFailure: ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
    };
  };

  const planAll = async (items: unknown, max: number): Promise<PlannedItem[]> => {
    if (!Array.isArray(items) || items.length === 0 || items.length > max) {
      throw validation(`TransactItems must hold between 1 and ${max} items`);
    }
    const planned = await Promise.all(items.map(plan));
    const seen = new Set<string>();
    for (const p of planned) {
      const id = `${p.tableName}|${JSON.stringify(Object.entries(p.key).sort())}`;
      if (seen.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
      seen.add(id);
    }
    return planned;
  };

  const transactWriteItems = async (input: { TransactItems?: unknown }): Promise<Record<string, unknown>> => {
    const planned = await planAll(input.TransactItems, 100);
    await withTables(
      planned.map((p) => p.tableName),
      async () => {
        const reasons = await Promise.all(
          planned.map(async (p) => {
            const existing = (
              await engine.call('GetItem', { TableName: p.tableName, Key: p.key, ConsistentRead: true })
            ).Item as AttributeMap | undefined;
            if (!checkConditional(p.parsed, existing)) return { Code: 'None' };
            return {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(p.returnOldOnFailure && existing ? { Item: existing } : {}),
            };
          }),
        );
        if (reasons.some((r) => r.Code !== 'None')) {
          const error = new AwsError(
            'TransactionCanceledException',
            `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          );
          error.fields = { CancellationReasons: reasons };
          throw error;
        }
        for (const p of planned) {
          if (p.kind !== 'ConditionCheck') await engine.call(p.operation, unconditional(p));
        }
      },
    );
    return {};
  };

  const transactGetItems = async (input: { TransactItems?: unknown }): Promise<Record<string, unknown>> => {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
      throw validation('TransactItems must hold between 1 and 100 items');
    }
    const gets = items.map((item, i) => {
      const get = (item as { Get?: Record<string, unknown> }).Get;
      if (!get) throw validation(`TransactItems.${i + 1} must hold a Get`);
      return get;
    });
    return withTables(
      gets.map((g) => String(g.TableName)),
      async () => {
        const responses = await Promise.all(gets.map((g) => engine.call('GetItem', { ...g, ConsistentRead: true })));
        return { Responses: responses.map((r) => (r.Item ? { Item: r.Item } : {})) };
      },
    );
  };

  return { transactWriteItems, transactGetItems, keyOf };
};
