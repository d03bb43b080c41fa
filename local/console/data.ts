/**
 * What the console shows, read from the running services: their public operations (`cloud.call`) where the AWS
 * API has one, the services' console hooks otherwise (recent bus events, queue contents, function logs). Nothing
 * here knows the application: tables, machines, buses and dashboards are whatever the template declared.
 */

import { AwsError } from '../core/errors';
import type { Cloud, Service } from '../core/types';
import type { EventsBackend } from '../events';
import type { FunctionLogLine } from '../lambda/logs';
import type { QueueSummary, SqsBackend } from '../sqs';
import { type AslDefinition, type GraphLayout, layoutDefinition, type StateOutcome, stateOutcomes } from './graph';

// biome-ignore lint/suspicious/noExplicitAny: AWS API answers are untyped JSON, read field by field.
type Json = Record<string, any>;

/** Every page of a paginated operation, up to `max` items. */
const allPages = async (
  cloud: Cloud,
  service: string,
  operation: string,
  input: Json,
  listKey: string,
  max = 5000,
): Promise<Json[]> => {
  const items: Json[] = [];
  let nextToken: string | undefined;
  do {
    const page: Json = await cloud.call(service, operation, { ...input, ...(nextToken ? { nextToken } : {}) });
    items.push(...((page[listKey] ?? []) as Json[]));
    nextToken = page.nextToken;
  } while (nextToken && items.length < max);
  return items;
};

const running = (cloud: Cloud, name: string): Service | undefined => {
  try {
    return cloud.service(name);
  } catch {
    return undefined;
  }
};

// ----- Step Functions

/** A state machine with how many of its executions are in each status. */
export interface MachineView {
  readonly name: string;
  readonly arn: string;
  readonly type: string;
  readonly counts: Record<string, number>;
}

/** One execution in a list. */
export interface ExecutionSummary {
  readonly name: string;
  readonly arn: string;
  readonly machine: string;
  readonly machineArn: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number;
}

/** Every Standard execution of every state machine, newest first (Express executions are not listed, as on AWS). */
export const listExecutions = async (
  cloud: Cloud,
  filter: { machineArn?: string; status?: string } = {},
): Promise<{ machines: MachineView[]; executions: ExecutionSummary[] }> => {
  if (!running(cloud, 'states')) return { machines: [], executions: [] };
  const machines = await allPages(cloud, 'states', 'ListStateMachines', {}, 'stateMachines');
  const views: MachineView[] = [];
  const executions: ExecutionSummary[] = [];
  for (const m of machines) {
    const counts: Record<string, number> = {};
    if (m.type !== 'EXPRESS') {
      const list = await allPages(
        cloud,
        'states',
        'ListExecutions',
        { stateMachineArn: m.stateMachineArn, maxResults: 1000 },
        'executions',
      );
      for (const x of list) {
        counts[x.status] = (counts[x.status] ?? 0) + 1;
        if (
          (filter.machineArn && filter.machineArn !== m.stateMachineArn) ||
          (filter.status && filter.status !== x.status)
        )
          continue;
        executions.push({
          name: x.name,
          arn: x.executionArn,
          machine: m.name,
          machineArn: m.stateMachineArn,
          status: x.status,
          startDate: x.startDate * 1000,
          ...(x.stopDate !== undefined ? { stopDate: x.stopDate * 1000 } : {}),
        });
      }
    }
    views.push({ name: m.name, arn: m.stateMachineArn, type: m.type, counts });
  }
  executions.sort((a, b) => b.startDate - a.startDate);
  return { machines: views, executions };
};

/** One history event as the page lists it. */
export interface HistoryRow {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  /** The state the event belongs to, when it names one. */
  readonly state?: string;
  readonly details: Json;
}

/** One execution: its description, its graph with each state's outcome, and its history. */
export interface ExecutionView {
  readonly execution: Json;
  readonly machine: string;
  readonly graph: GraphLayout;
  readonly outcomes: Record<string, StateOutcome>;
  readonly history: HistoryRow[];
}

/** Reads one execution and lays out its graph from the definition it started with. */
export const describeExecution = async (cloud: Cloud, executionArn: string): Promise<ExecutionView> => {
  const execution: Json = await cloud.call('states', 'DescribeExecution', { executionArn });
  const machine: Json = await cloud.call('states', 'DescribeStateMachineForExecution', { executionArn });
  const events = await allPages(
    cloud,
    'states',
    'GetExecutionHistory',
    { executionArn, maxResults: 1000, includeExecutionData: true },
    'events',
    20_000,
  );
  const history: HistoryRow[] = events.map((e) => {
    const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
    const details = (key ? e[key] : {}) as Json;
    return {
      id: e.id,
      previousEventId: e.previousEventId,
      timestamp: e.timestamp * 1000,
      type: e.type,
      ...(typeof details.name === 'string' ? { state: details.name } : {}),
      details,
    };
  });
  let definition: AslDefinition = {};
  try {
    definition = JSON.parse(String(machine.definition)) as AslDefinition;
  } catch {
    // A definition that does not parse could not have run; an empty graph says so.
  }
  return {
    execution: {
      ...execution,
      startDate: execution.startDate * 1000,
      stopDate: execution.stopDate && execution.stopDate * 1000,
    },
    machine: String(machine.name ?? execution.stateMachineArn),
    graph: layoutDefinition(definition),
    outcomes: stateOutcomes(definition, events as never, String(execution.status)),
    history,
  };
};

// ----- DynamoDB

/** A DynamoDB attribute value as plain JSON (numbers as numbers, sets as arrays, binary as base64 text). */
export const plainValue = (value: Json): unknown => {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('B' in value) return String(value.B);
  if ('SS' in value) return value.SS;
  if ('NS' in value) return (value.NS as string[]).map(Number);
  if ('BS' in value) return value.BS;
  if ('L' in value) return (value.L as Json[]).map(plainValue);
  if ('M' in value) return plainItem(value.M as Json);
  return value;
};

/** A DynamoDB item as plain JSON. */
export const plainItem = (item: Json): Json =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plainValue(v)]));

/** A table in the list. */
export interface TableSummary {
  readonly name: string;
  readonly itemCount: number;
  readonly keys: string[];
}

/** Counts a table's items now (DescribeTable's ItemCount is refreshed only every few hours on AWS, and locally too). */
const countItems = async (cloud: Cloud, table: string): Promise<number> => {
  let count = 0;
  let key: Json | undefined;
  do {
    const page: Json = await cloud.call('dynamodb', 'Scan', {
      TableName: table,
      Select: 'COUNT',
      ...(key ? { ExclusiveStartKey: key } : {}),
    });
    count += Number(page.Count ?? 0);
    key = page.LastEvaluatedKey;
  } while (key);
  return count;
};

/** The tables with their key attributes and item counts. */
export const listTables = async (cloud: Cloud): Promise<TableSummary[]> => {
  if (!running(cloud, 'dynamodb')) return [];
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page: Json = await cloud.call('dynamodb', 'ListTables', start ? { ExclusiveStartTableName: start } : {});
    names.push(...(page.TableNames as string[]));
    start = page.LastEvaluatedTableName;
  } while (start);
  return Promise.all(
    names.map(async (name) => {
      const { Table }: Json = await cloud.call('dynamodb', 'DescribeTable', { TableName: name });
      return {
        name,
        itemCount: await countItems(cloud, name),
        keys: ((Table?.KeySchema ?? []) as Json[]).map((k) => String(k.AttributeName)),
      };
    }),
  );
};

/** One table's items (plain JSON), attribute names (keys first), and links from values to executions. */
export interface TableView {
  readonly name: string;
  readonly keys: string[];
  readonly attributes: string[];
  readonly items: Json[];
  readonly truncated: boolean;
  /** Attribute values that name an execution → its ARN. */
  readonly executions: Record<string, string>;
}

const scan = async (cloud: Cloud, table: string, max: number): Promise<{ items: Json[]; truncated: boolean }> => {
  const items: Json[] = [];
  let key: Json | undefined;
  do {
    const page: Json = await cloud.call('dynamodb', 'Scan', {
      TableName: table,
      Limit: Math.min(1000, max - items.length),
      ...(key ? { ExclusiveStartKey: key } : {}),
    });
    items.push(...(page.Items as Json[]).map(plainItem));
    key = page.LastEvaluatedKey;
  } while (key && items.length < max);
  return { items, truncated: key !== undefined };
};

/** Reads a table (up to `max` items) and links every top-level text value that is an execution's name. */
export const readTable = async (cloud: Cloud, table: string, max = 1000): Promise<TableView> => {
  const { Table }: Json = await cloud.call('dynamodb', 'DescribeTable', { TableName: table });
  const keys = ((Table?.KeySchema ?? []) as Json[]).map((k) => String(k.AttributeName));
  const { items, truncated } = await scan(cloud, table, max);
  const attributes = new Set(keys);
  for (const item of items) for (const k of Object.keys(item)) attributes.add(k);
  const byName = new Map<string, string>();
  for (const x of (await listExecutions(cloud)).executions) byName.set(x.name, x.arn);
  const executions: Record<string, string> = {};
  for (const item of items)
    for (const v of Object.values(item))
      if (typeof v === 'string' && byName.has(v)) executions[v] = byName.get(v) as string;
  return { name: table, keys, attributes: [...attributes], items, truncated, executions };
};

/** Items of any table whose top-level attribute equals `value` (the way back from an execution to its item). */
export const findReferences = async (
  cloud: Cloud,
  value: string,
): Promise<{ table: string; attribute: string; key: Json }[]> => {
  const found: { table: string; attribute: string; key: Json }[] = [];
  for (const t of await listTables(cloud)) {
    const { items } = await scan(cloud, t.name, 2000);
    for (const item of items) {
      const attribute = Object.keys(item).find((k) => item[k] === value);
      if (attribute) found.push({ table: t.name, attribute, key: Object.fromEntries(t.keys.map((k) => [k, item[k]])) });
    }
  }
  return found;
};

// ----- EventBridge

/** The recent events of every bus, newest first. */
export const listBusEvents = (cloud: Cloud, limit = 100): { bus: string; events: Json[] }[] => {
  const service = running(cloud, 'events') as (Service & { backend?: EventsBackend }) | undefined;
  const backend = service?.backend;
  if (!backend) return [];
  return [...backend.buses.keys()].map((bus) => ({
    bus,
    events: backend
      .recentEvents(bus, limit)
      .map((e) => ({ ...e.event, receivedAt: e.receivedAt, matchedRules: e.matchedRules }))
      .reverse(),
  }));
};

// ----- SQS

/** A queue with its dead-letter relations. */
export interface QueueView extends QueueSummary {
  /** Names of the queues that send their dead letters here (a DLQ that `StartMessageMoveTask` can redrive). */
  readonly sources: string[];
  /** EventBridge rule targets whose failed events land here (`rule/target`). */
  readonly eventTargets: string[];
}

const sqsBackend = (cloud: Cloud): SqsBackend | undefined =>
  (running(cloud, 'sqs') as (Service & { backend?: SqsBackend }) | undefined)?.backend;

/** EventBridge target dead-letter queues: queue ARN → the rule targets that use it. */
const eventTargetDlqs = (cloud: Cloud): Map<string, string[]> => {
  const backend = (running(cloud, 'events') as (Service & { backend?: EventsBackend }) | undefined)?.backend;
  const found = new Map<string, string[]>();
  for (const rule of backend?.rules.values() ?? [])
    for (const target of rule.targets.values()) {
      const arn = target.DeadLetterConfig?.Arn;
      if (arn) found.set(arn, [...(found.get(arn) ?? []), `${rule.name}/${target.Id}`]);
    }
  return found;
};

/** Every queue, with DLQs marked by the queues and the EventBridge targets that feed them. */
export const listQueues = (cloud: Cloud): QueueView[] => {
  const all = sqsBackend(cloud)?.summaries() ?? [];
  const targets = eventTargetDlqs(cloud);
  return all
    .map((q) => ({
      ...q,
      sources: all.filter((s) => s.deadLetterTargetArn === q.arn).map((s) => s.name),
      eventTargets: targets.get(q.arn) ?? [],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
};

/** The first messages of a queue, without receiving them. */
export const peekQueue = (cloud: Cloud, name: string, limit = 50): Json[] => {
  const backend = sqsBackend(cloud);
  if (!backend) throw new AwsError('ServiceUnavailable', 'the local cloud has no sqs service running', 503, false);
  return backend.peek(name, limit);
};

/** Moves a DLQ's messages back to the queues they came from (`StartMessageMoveTask`, as the AWS console does). */
export const redriveQueue = async (cloud: Cloud, name: string): Promise<Json> => {
  const queue = listQueues(cloud).find((q) => q.name === name);
  if (!queue) throw new AwsError('QueueDoesNotExist', `no queue named ${name}`, 404);
  if (queue.sources.length === 0) throw new AwsError('InvalidParameterValue', `${name} is not a dead-letter queue`);
  const { TaskHandle }: Json = await cloud.call('sqs', 'StartMessageMoveTask', { SourceArn: queue.arn });
  const { Results }: Json = await cloud.call('sqs', 'ListMessageMoveTasks', { SourceArn: queue.arn, MaxResults: 10 });
  const task = ((Results ?? []) as Json[]).find((t) => t.TaskHandle === TaskHandle) ?? {};
  return {
    taskHandle: TaskHandle,
    status: task.Status,
    moved: task.ApproximateNumberOfMessagesMoved,
    toMove: task.ApproximateNumberOfMessagesToMove,
  };
};

// ----- Lambda

/** A function and when it last wrote a log line. */
export interface FunctionSummary {
  readonly name: string;
  readonly lastLogAt?: number;
}

/** Every function, sorted by name, with the time of its newest log line. */
export const listFunctions = async (cloud: Cloud): Promise<FunctionSummary[]> => {
  if (!running(cloud, 'lambda')) return [];
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page: Json = await cloud.call('lambda', 'ListFunctions', marker ? { Marker: marker } : {});
    names.push(...(page.Functions as Json[]).map((f) => String(f.FunctionName)));
    marker = page.NextMarker;
  } while (marker);
  return names.sort().map((name) => {
    const last = functionLogs(cloud, name, 1)[0];
    return { name, ...(last ? { lastLogAt: last.at } : {}) };
  });
};

/** The newest log lines of a function (the Lambda service's console hook). */
export const functionLogs = (cloud: Cloud, name: string, limit = 300): FunctionLogLine[] => {
  const lambda = cloud.service('lambda') as Service & {
    logs?: (name: string, options?: { limit?: number }) => FunctionLogLine[];
  };
  return lambda.logs?.(name, { limit }) ?? [];
};
