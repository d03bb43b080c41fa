/**
 * dynalite in-process: its request validation and its actions called directly, without its HTTP server, so a
 * request through the edge costs one JSON parse and no extra hop.
 */
import { createRequire } from 'node:module';
import { create, type DynaliteError, type DynaliteStore } from 'dynalite/db';
import { checkTypes, checkValidations } from 'dynalite/validations';
import { AwsError } from '../core/errors';

/** The DynamoDB operations dynalite implements. */
export const DYNALITE_OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
] as const;

type Action = (store: DynaliteStore, data: unknown, cb: (err: DynaliteError | null, out?: unknown) => void) => void;
interface Validation {
  readonly types: unknown;
  readonly custom?: unknown;
}

const load = createRequire(__filename);
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

const actions = new Map<string, { action: Action; validation: Validation }>(
  DYNALITE_OPERATIONS.map((op) => [
    op,
    {
      action: load(`dynalite/actions/${lowerFirst(op)}`) as Action,
      validation: load(`dynalite/validations/${lowerFirst(op)}`) as Validation,
    },
  ]),
);

/** dynalite's error (`{statusCode, body: {__type: 'com.amazonaws...#Code', message}}`) as an {@link AwsError}. */
export const toAwsError = (err: DynaliteError): AwsError | DynaliteError => {
  if (!err.statusCode || !err.body) return err;
  const code = (err.body.__type ?? 'InternalFailure').split('#').pop() as string;
  const message = err.body.message ?? err.body.Message ?? code;
  return new AwsError(code, message, err.statusCode, err.statusCode < 500);
};

/** A dynalite store with its operations as promises. */
export interface DynaliteEngine {
  readonly store: DynaliteStore;
  /** Validate (types and rules, as dynalite's server does) and return the parsed request. */
  validate(operation: string, input: unknown): Record<string, unknown>;
  /** Run an operation; throws {@link AwsError} with DynamoDB's error codes. */
  call(operation: string, input: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Open a dynalite store in memory (no `path`) or on disk under `path` (LevelDB). */
export const createDynaliteEngine = (options: { path?: string; region: string; accountId: string }): DynaliteEngine => {
  // Tables become ACTIVE on the next tick: nothing waits half a second for a local table.
  const store = create({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  store.tableDb.awsAccountId = options.accountId;
  store.tableDb.awsRegion = options.region;

  const validate = (operation: string, input: unknown): Record<string, unknown> => {
    const entry = actions.get(operation);
    if (!entry) throw new AwsError('UnknownOperationException', `${operation} is not a dynalite operation`);
    try {
      // dynalite deletes unknown top-level keys from what it checks: a copy keeps the caller's object intact.
      const data = checkTypes({ ...(input as object) }, entry.validation.types);
      checkValidations(data, entry.validation.types, entry.validation.custom, store);
      return data;
    } catch (e) {
      throw toAwsError(e as DynaliteError);
    }
  };

  const call = (operation: string, input: unknown): Promise<Record<string, unknown>> => {
    const data = validate(operation, input);
    const { action } = actions.get(operation) as { action: Action };
    return new Promise((resolve, reject) => {
      action(store, data, (err, out) => {
        if (err) reject(toAwsError(err));
        else resolve((out ?? {}) as Record<string, unknown>);
      });
    });
  };

  return {
    store,
    validate,
    call,
    close: () =>
      new Promise<void>((resolve, reject) => {
        store.lifecycleManager.gracefulClose((err) => (err ? reject(err) : resolve()));
      }),
  };
};
