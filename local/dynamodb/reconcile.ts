/**
 * A table kept on disk from an earlier start, against the table the template asks for now. dynalite cannot add
 * or remove indexes in place, so an index change rebuilds the table with its items (as CloudFormation would add a
 * GSI and backfill it); a key change would need a replacement and data loss, so it fails loudly instead.
 */
import { AwsError } from '../core/errors';
import type { DynaliteEngine } from './engine';

type Props = Record<string, unknown>;
interface Index {
  readonly IndexName?: string;
  readonly KeySchema?: unknown;
  readonly Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
}

const indexShape = (indexes: unknown): string =>
  JSON.stringify(
    ((indexes as Index[] | undefined) ?? [])
      .map((i) => ({
        name: i.IndexName,
        keys: i.KeySchema,
        projection: i.Projection?.ProjectionType ?? 'ALL',
        attributes: [...(i.Projection?.NonKeyAttributes ?? [])].sort(),
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
  );

/** What differs between the stored table and the requested one. */
export const tableDifference = (stored: Props, wanted: Props): 'none' | 'indexes' | 'keys' => {
  if (JSON.stringify(stored.KeySchema) !== JSON.stringify(wanted.KeySchema)) return 'keys';
  const same =
    indexShape(stored.GlobalSecondaryIndexes) === indexShape(wanted.GlobalSecondaryIndexes) &&
    indexShape(stored.LocalSecondaryIndexes) === indexShape(wanted.LocalSecondaryIndexes);
  return same ? 'none' : 'indexes';
};

const scanAll = async (engine: DynaliteEngine, tableName: string): Promise<Props[]> => {
  const items: Props[] = [];
  let start: unknown;
  do {
    const page = (await engine.call('Scan', {
      TableName: tableName,
      ...(start ? { ExclusiveStartKey: start } : {}),
    })) as {
      Items?: Props[];
      LastEvaluatedKey?: unknown;
    };
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/**
 * Make the stored table match `request` (a CreateTable request). `recreate` deletes and creates tables and
 * waits until they are settled. Answers how many items were carried over when the table was rebuilt.
 */
export const reconcileTable = async (
  engine: DynaliteEngine,
  stored: Props,
  request: Props,
  recreate: { drop(name: string): Promise<void>; create(request: Props): Promise<void> },
): Promise<{ rebuilt: boolean; items: number }> => {
  const tableName = String(request.TableName);
  const difference = tableDifference(stored, request);
  if (difference === 'none') return { rebuilt: false, items: 0 };
  if (difference === 'keys') {
    throw new AwsError(
      'ValidationException',
      `table ${tableName} in the data folder has other keys than the template asks for (a replacement on AWS): ` +
        'delete the data folder (or start with another one) to recreate it',
    );
  }
  const items = await scanAll(engine, tableName);
  await recreate.drop(tableName);
  await recreate.create(request);
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await engine.call('BatchWriteItem', { RequestItems: { [tableName]: batch } });
  }
  return { rebuilt: true, items: items.length };
};
