import { AwsError } from '../core/errors.ts';

/**
 * SNS subscription filter policies: exact strings and numbers, `prefix`, `suffix`, `anything-but` (value, list or
 * `{prefix}`), `numeric` ranges, `exists` and `equals-ignore-case`, applied to message attributes
 * (`MessageAttributes` scope) or to the JSON message body (`MessageBody` scope, nested keys).
 */
type Condition = string | number | boolean | null | Record<string, unknown>;

const numericMatches = (ops: unknown[], value: number): boolean => {
  for (let i = 0; i + 1 < ops.length; i += 2) {
    const op = ops[i];
    const bound = Number(ops[i + 1]);
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
};

const conditionMatches = (condition: Condition, present: boolean, value: unknown): boolean => {
  if (condition === null || typeof condition !== 'object') {
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => v === condition || (typeof condition === 'number' && Number(v) === condition));
  }
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  if (operator === 'exists') return present === operand;
  if (!present) return false;
  const values = Array.isArray(value) ? value : [value];
  switch (operator) {
    case 'prefix':
      return values.some((v) => typeof v === 'string' && v.startsWith(String(operand)));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && v.endsWith(String(operand)));
    case 'equals-ignore-case':
      return values.some((v) => typeof v === 'string' && v.toLowerCase() === String(operand).toLowerCase());
    case 'numeric':
      return values.some((v) =>
        typeof v === 'number' || (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)))
          ? numericMatches(operand as unknown[], Number(v))
          : false,
      );
    case 'anything-but': {
      if (operand && typeof operand === 'object' && !Array.isArray(operand)) {
        const prefix = (operand as { prefix?: string }).prefix;
        return values.every((v) => typeof v !== 'string' || prefix === undefined || !v.startsWith(prefix));
      }
      const excluded = Array.isArray(operand) ? operand : [operand];
      return values.every((v) => !excluded.some((x) => x === v || (typeof x === 'number' && Number(v) === x)));
    }
    default:
      throw new AwsError('InvalidParameter', `Invalid parameter: FilterPolicy: unsupported operator ${operator}`);
  }
};

const matchesObject = (
  policy: Record<string, unknown>,
  lookup: (key: string) => { present: boolean; value: unknown; nested?: Record<string, unknown> },
): boolean =>
  Object.entries(policy).every(([key, rule]) => {
    if (key === '$or' && Array.isArray(rule)) {
      return rule.some((alternative) => matchesObject(alternative as Record<string, unknown>, lookup));
    }
    const found = lookup(key);
    if (rule && typeof rule === 'object' && !Array.isArray(rule)) {
      const nested = found.nested ?? {};
      return matchesObject(rule as Record<string, unknown>, (k) => ({
        present: k in nested,
        value: nested[k],
        nested:
          typeof nested[k] === 'object' && nested[k] !== null ? (nested[k] as Record<string, unknown>) : undefined,
      }));
    }
    const conditions = (Array.isArray(rule) ? rule : [rule]) as Condition[];
    return conditions.some((c) => conditionMatches(c, found.present, found.value));
  });

/** Message attributes as SNS sees them for filtering: String as text, Number as number, String.Array as list. */
const attributeValue = (attribute: { DataType?: string; StringValue?: string }): unknown => {
  if (attribute.DataType?.startsWith('Number')) return Number(attribute.StringValue);
  if (attribute.DataType === 'String.Array') {
    try {
      return JSON.parse(attribute.StringValue ?? '[]');
    } catch {
      return attribute.StringValue;
    }
  }
  return attribute.StringValue;
};

export const filterPolicyMatches = (
  policyText: string | undefined,
  scope: string | undefined,
  message: string,
  attributes: Record<string, { DataType?: string; StringValue?: string }>,
): boolean => {
  if (!policyText) return true;
  const policy = JSON.parse(policyText) as Record<string, unknown>;
  if (scope === 'MessageBody') {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(message);
    } catch {
      return false;
    }
    const lookup = (key: string) => ({
      present: key in body,
      value: body[key],
      nested: typeof body[key] === 'object' && body[key] !== null ? (body[key] as Record<string, unknown>) : undefined,
    });
    return matchesObject(policy, lookup);
  }
  return matchesObject(policy, (key) => {
    const attribute = attributes[key];
    return { present: attribute !== undefined, value: attribute ? attributeValue(attribute) : undefined };
  });
};
