import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors';

/** Turns zod issues into per-field details (`items.0.quantity`), prefixed with where the input came from. */
export function fieldIssues(error: z.ZodError, where: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].filter((part) => part !== '').join('.'),
    message: issue.message,
  }));
}

/** Parses input with a schema, throwing a 400 {@link ValidationError} with one detail per bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`Invalid ${where}`, fieldIssues(result.error, where));
  return result.data;
}

/** Parses the JSON body of a proxy event (an absent body is `{}` so the schema reports missing fields). */
export function jsonBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('Body is not valid JSON', [{ field: 'body', message: 'Invalid JSON' }]);
  }
}

/** Reads a header case-insensitively (API Gateway keeps the client's casing in REST v1 events). */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** Reads a required path parameter (API Gateway guarantees it; a missing one is a 400, not a crash). */
export function pathParameter(event: Pick<APIGatewayProxyEvent, 'pathParameters'>, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value)
    throw new ValidationError(`Missing path parameter ${name}`, [{ field: `path.${name}`, message: 'Required' }]);
  return value;
}
