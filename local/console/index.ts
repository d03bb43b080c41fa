/**
 * The local console at `<endpoint>/_console`: a static page (plain HTML, CSS and JavaScript, no build step) and the
 * JSON routes it reads under `/_console/api/`. Mount it with `consoleRoutes(cloud)` on the edge.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsError, isAwsError } from '../core/errors';
import type { Cloud, RawRequest, RawResponse, Route } from '../core/types';
import { alarmStates, listDashboards, metricsOverview, renderDashboard } from './dashboards';
import {
  describeExecution,
  findReferences,
  functionLogs,
  listBusEvents,
  listExecutions,
  listFunctions,
  listQueues,
  listTables,
  peekQueue,
  readTable,
  redriveQueue,
} from './data';

export { metricQueries, renderDashboard } from './dashboards';
export { type GraphLayout, layoutDefinition, type StateOutcome, stateOutcomes } from './graph';

const STATIC_DIR = join(__dirname, 'static');
const STATIC_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const json = (status: number, body: unknown): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** Static files are read per request so an edited page shows on reload (the files are small). */
const staticFile = (name: string): RawResponse => {
  const type = STATIC_TYPES[name];
  if (!type) return json(404, { error: `no console file ${name}` });
  return {
    status: 200,
    headers: { 'content-type': type, 'cache-control': 'no-cache' },
    body: readFileSync(join(STATIC_DIR, name)),
  };
};

const minutesOf = (q: Record<string, string>): number => Math.min(24 * 60, Math.max(1, Number(q.minutes) || 60));
const periodOf = (q: Record<string, string>): number | undefined =>
  Number(q.period) > 0 ? Number(q.period) : undefined;

/** The data routes: path (after `/_console/api/`) → answer. */
const api = async (cloud: Cloud, method: string, path: string, q: Record<string, string>): Promise<unknown> => {
  const [head, name, action] = path.split('/');
  if (method === 'GET' && head === 'executions' && !name)
    return listExecutions(cloud, {
      ...(q.machine ? { machineArn: q.machine } : {}),
      ...(q.status ? { status: q.status } : {}),
    });
  if (method === 'GET' && head === 'execution' && q.arn) return describeExecution(cloud, q.arn);
  if (method === 'GET' && head === 'references' && q.value) return { references: await findReferences(cloud, q.value) };
  if (method === 'GET' && head === 'tables' && !name) return { tables: await listTables(cloud) };
  if (method === 'GET' && head === 'tables' && name) return readTable(cloud, name, Number(q.limit) || 1000);
  if (method === 'GET' && head === 'events') return { buses: listBusEvents(cloud, Number(q.limit) || 100) };
  if (method === 'GET' && head === 'queues' && !name) return { queues: listQueues(cloud) };
  if (method === 'GET' && head === 'queues' && name && action === 'messages')
    return { messages: peekQueue(cloud, name) };
  if (method === 'POST' && head === 'queues' && name && action === 'redrive') return redriveQueue(cloud, name);
  if (method === 'GET' && head === 'functions' && !name) return { functions: await listFunctions(cloud) };
  if (method === 'GET' && head === 'functions' && name && action === 'logs')
    return { lines: functionLogs(cloud, name, Number(q.limit) || 300) };
  if (method === 'GET' && head === 'dashboards' && !name)
    return { dashboards: (await listDashboards(cloud)).map((d) => d.name) };
  if (method === 'GET' && head === 'dashboards' && name) {
    const dashboard = (await listDashboards(cloud)).find((d) => d.name === name);
    if (!dashboard) throw new AwsError('ResourceNotFound', `no dashboard named ${name}`, 404);
    return renderDashboard(cloud, name, dashboard.body, {
      minutes: minutesOf(q),
      ...(periodOf(q) ? { period: periodOf(q) } : {}),
    });
  }
  if (method === 'GET' && head === 'alarms') {
    const alarms = await alarmStates(cloud);
    const rank = (state: string): number => ['ALARM', 'INSUFFICIENT_DATA', 'OK'].indexOf(state);
    return { alarms: alarms.sort((a, b) => rank(a.state) - rank(b.state) || a.name.localeCompare(b.name)) };
  }
  if (method === 'GET' && head === 'metrics')
    return {
      metrics: await metricsOverview(cloud, { minutes: minutesOf(q), ...(periodOf(q) ? { period: periodOf(q) } : {}) }),
    };
  throw new AwsError('NotFound', `no console route ${method} /_console/api/${path}`, 404);
};

/** The console's routes for the edge (`edge.addRoute`); data is read from `cloud` at request time. */
export const consoleRoutes = (cloud: Cloud): Route[] => [
  { method: 'GET', path: '/_console', handle: async () => staticFile('index.html') },
  { method: 'GET', path: '/_console/static/{file}', handle: async (_req, params) => staticFile(params.file ?? '') },
  {
    method: '*',
    path: '/_console/api/{path+}',
    handle: async (req: RawRequest, params) => {
      try {
        return json(200, await api(cloud, req.method, params.path ?? '', req.query));
      } catch (e) {
        if (isAwsError(e)) return json(e.status, { error: { code: e.code, message: e.message } });
        throw e;
      }
    },
  },
];
