/**
 * Time to live, which dynalite lacks: the setting per table (kept in a JSON file beside the data when on disk)
 * and a sweeper that deletes expired items, like DynamoDB's background TTL process (which is lazy too: until the
 * sweep runs, an expired item can still be read).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsError } from '../core/errors';
import type { LocalLogger } from '../core/types';
import type { DynaliteEngine } from './engine';

export interface TtlOptions {
  readonly engine: DynaliteEngine;
  readonly log: LocalLogger;
  /** File that keeps the settings across restarts; undefined = in memory. */
  readonly file?: string;
  /** Milliseconds between sweeps. @default 5000 */
  readonly intervalMs?: number;
}

export const createTtl = (options: TtlOptions) => {
  const { engine, log } = options;
  const settings = new Map<string, string>(
    options.file && existsSync(options.file)
      ? Object.entries(JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, string>)
      : [],
  );
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;

  const save = (): void => {
    if (!options.file) return;
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, JSON.stringify(Object.fromEntries(settings)));
  };

  const requireTable = async (tableName: unknown): Promise<string> => {
    if (typeof tableName !== 'string') throw new AwsError('ValidationException', 'TableName is required');
    await engine.call('DescribeTable', { TableName: tableName });
    return tableName;
  };

  /** Enable or disable TTL on a table (UpdateTimeToLive and provisioning). */
  const configure = (tableName: string, attributeName: string | undefined): void => {
    if (attributeName) settings.set(tableName, attributeName);
    else settings.delete(tableName);
    save();
  };

  const sweepTable = async (tableName: string, attribute: string, now: number): Promise<number> => {
    let deleted = 0;
    let start: unknown;
    const keys =
      (
        (await engine.call('DescribeTable', { TableName: tableName })) as {
          Table?: { KeySchema?: { AttributeName: string }[] };
        }
      ).Table?.KeySchema?.map((k) => k.AttributeName) ?? [];
    const names = { '#ttl': attribute, ...Object.fromEntries(keys.map((k, i) => [`#k${i}`, k])) };
    do {
      const page = (await engine.call('Scan', {
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ProjectionExpression: keys.map((_k, i) => `#k${i}`).join(', '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':now': { N: String(now) } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      })) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: unknown };
      for (const key of page.Items ?? []) {
        try {
          await engine.call('DeleteItem', {
            TableName: tableName,
            Key: key,
            ConditionExpression: '#ttl < :now',
            ExpressionAttributeNames: { '#ttl': attribute },
            ExpressionAttributeValues: { ':now': { N: String(now) } },
          });
          deleted++;
        } catch (e) {
          if ((e as AwsError).code !== 'ConditionalCheckFailedException') throw e;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  };

  /** Delete every item whose TTL attribute (epoch seconds) is in the past; answers how many. */
  const sweep = (nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    sweeping ??= (async () => {
      let total = 0;
      for (const [table, attribute] of settings) {
        try {
          total += await sweepTable(table, attribute, nowSeconds);
        } catch (e) {
          if ((e as AwsError).code !== 'ResourceNotFoundException')
            log.warn('TTL sweep failed', { table, error: String(e) });
        }
      }
      return total;
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };

  const operations = {
    UpdateTimeToLive: async (input: {
      TableName?: string;
      TimeToLiveSpecification?: { Enabled?: boolean; AttributeName?: string };
    }) => {
      const tableName = await requireTable(input.TableName);
      const spec = input.TimeToLiveSpecification;
      if (!spec || typeof spec.Enabled !== 'boolean' || !spec.AttributeName) {
        throw new AwsError('ValidationException', 'TimeToLiveSpecification needs Enabled and AttributeName');
      }
      const current = settings.get(tableName);
      if (spec.Enabled && current) throw new AwsError('ValidationException', 'TimeToLive is already enabled');
      if (!spec.Enabled && !current) throw new AwsError('ValidationException', 'TimeToLive is already disabled');
      configure(tableName, spec.Enabled ? spec.AttributeName : undefined);
      return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
    },
    DescribeTimeToLive: async (input: { TableName?: string }) => {
      const tableName = await requireTable(input.TableName);
      const attribute = settings.get(tableName);
      return {
        TimeToLiveDescription: attribute
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: attribute }
          : { TimeToLiveStatus: 'DISABLED' },
      };
    },
  };

  return {
    operations,
    configure,
    sweep,
    forget: (tableName: string) => configure(tableName, undefined),
    start: () => {
      timer ??= setInterval(() => void sweep(), options.intervalMs ?? 5000);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
  };
};
