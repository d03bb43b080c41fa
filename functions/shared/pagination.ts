import { z } from 'zod';
import { ValidationError } from './errors';

/** Query string of the list routes: `limit` (1..100, default 20) and an opaque `nextToken`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  nextToken: z.string().min(1).max(2048).optional(),
});

/** A DynamoDB key of string attributes, as the order indexes use. */
export type PageKey = Record<string, string>;

/** Encodes a `LastEvaluatedKey` as an opaque URL-safe token (`undefined` when there is no next page). */
export function encodeNextToken(key: Record<string, unknown> | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const invalidToken = () => new ValidationError('Invalid nextToken', [{ field: 'query.nextToken', message: 'Invalid' }]);

/**
 * Decodes a token back to an `ExclusiveStartKey`, accepting only the key attributes of the index being
 * queried, and the values the caller is scoped to (`fixed`), so a forged token cannot read another
 * customer's or restaurant's partition nor make DynamoDB fail with a 500.
 */
export function decodeNextToken(
  token: string | undefined,
  keyAttributes: readonly string[],
  fixed: Readonly<Record<string, string>> = {},
): PageKey | undefined {
  if (token === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  const parsed = z.record(z.string(), z.string().min(1).max(1024)).safeParse(decoded);
  if (!parsed.success) throw invalidToken();
  const key = parsed.data;
  const names = Object.keys(key).sort();
  const expected = [...keyAttributes].sort();
  if (names.length !== expected.length || names.some((name, i) => name !== expected[i])) throw invalidToken();
  for (const [name, value] of Object.entries(fixed)) {
    if (key[name] !== value) throw invalidToken();
  }
  return key;
}
