/** `AWS::DynamoDB::Table` and `AWS::DynamoDB::GlobalTable` properties as a DynamoDB `CreateTable` request. */
import type { ResolvedResource } from '../core/types';

type Props = Record<string, unknown>;

/** Properties that would change behaviour and that the local DynamoDB cannot honour: they fail at load. */
export const UNSUPPORTED_TABLE_PROPERTIES: readonly string[] = [
  'ImportSourceSpecification',
  'KinesisStreamSpecification',
];

const pick = (source: unknown, keys: readonly string[]): Props => {
  const out: Props = {};
  for (const k of keys) {
    const v = (source as Props | undefined)?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
};

const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

const numberish = (v: unknown): unknown =>
  v && typeof v === 'object'
    ? Object.fromEntries(
        Object.entries(v as Props).map(([k, x]) => [k, typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x]),
      )
    : v;

/** The CreateTable request for a table resource (its physical id is the table name). */
export const createTableRequest = (resource: ResolvedResource): Props => {
  const p = resource.properties as Props;
  const provisioned =
    (p.BillingMode ?? (resource.type === 'AWS::DynamoDB::GlobalTable' ? 'PAY_PER_REQUEST' : 'PROVISIONED')) ===
    'PROVISIONED';
  const throughput = (given: unknown): Props =>
    provisioned ? { ProvisionedThroughput: (numberish(given) as Props | undefined) ?? DEFAULT_THROUGHPUT } : {};
  const index = (i: unknown, withThroughput: boolean): Props => ({
    ...pick(i, ['IndexName', 'KeySchema', 'Projection']),
    ...(withThroughput ? throughput((i as Props).ProvisionedThroughput) : {}),
  });
  const gsis = (p.GlobalSecondaryIndexes as unknown[] | undefined) ?? [];
  const lsis = (p.LocalSecondaryIndexes as unknown[] | undefined) ?? [];
  return {
    TableName: resource.physicalId,
    AttributeDefinitions: p.AttributeDefinitions,
    KeySchema: p.KeySchema,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...throughput(p.ProvisionedThroughput),
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis.map((g) => index(g, true)) } : {}),
    ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis.map((l) => index(l, false)) } : {}),
  };
};

/** The TTL attribute the template enables, if any. */
export const ttlAttribute = (resource: ResolvedResource): string | undefined => {
  const spec = (resource.properties as Props).TimeToLiveSpecification as
    | { Enabled?: unknown; AttributeName?: unknown }
    | undefined;
  return spec && (spec.Enabled === true || spec.Enabled === 'true') && typeof spec.AttributeName === 'string'
    ? spec.AttributeName
    : undefined;
};
