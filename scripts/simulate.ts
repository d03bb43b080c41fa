/**
 * `npm run simulate`: virtual customers, restaurants and couriers play whole order journeys against a running
 * dishpatch (the local cloud of `npm start`, or any deployed stage) through its public surfaces only: the REST
 * API and Cognito through the AWS SDK. Orders are placed at a steady rate with a mix of outcomes, and a live
 * summary is redrawn every second.
 *
 *   npm run simulate -- [--rate 2] [--duration 60] [--orders N] [--outputs .dishpatch/outputs.json]
 *                       [--endpoint http://localhost:4566] [--mix deliver=5,reject=1,timeout=1,cancel=1,decline=1]
 *                       [--settle 30] [--aws]
 *
 * `--aws` plays against a deployed stage (outputs from `cdk deploy --outputs-file`, credentials and region from the
 * environment) instead of the local cloud's endpoint; the demo users must exist there.
 */

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DEMO_PASSWORD, output } from '../seed/demo';

/** What a simulated order is meant to go through. */
export const SCENARIOS = ['deliver', 'reject', 'timeout', 'cancel', 'decline'] as const;

/** One of {@link SCENARIOS}. */
export type Scenario = (typeof SCENARIOS)[number];

/** How an order ended, as far as the simulation saw: a terminal status, still waiting, or an error. */
export type Outcome = 'DELIVERED' | 'REJECTED' | 'CANCELLED' | 'PAYMENT_FAILED' | 'WAITING' | 'ERROR';

/** The status each scenario must end in; `timeout` ends REJECTED once the acceptance wait has passed. */
export const EXPECTED_OUTCOME: Readonly<Record<Scenario, Outcome>> = {
  deliver: 'DELIVERED',
  reject: 'REJECTED',
  timeout: 'REJECTED',
  cancel: 'CANCELLED',
  decline: 'PAYMENT_FAILED',
};

/** Relative weights of the scenarios. */
export type ScenarioMix = Readonly<Partial<Record<Scenario, number>>>;

/** The default mix: most orders are delivered, the rest spread over every way an order can end otherwise. */
export const DEFAULT_MIX: ScenarioMix = { deliver: 5, reject: 1, timeout: 1, cancel: 1, decline: 1 };

/** Stack outputs, `cdk deploy --outputs-file` format: stack name → output key → value. */
export type StackOutputs = Record<string, Record<string, string>>;

/** Where the app runs. */
export interface SimulationTarget {
  /** The REST API base URL (with the stage). */
  readonly apiUrl: string;
  /** The AWS endpoint for Cognito (the local cloud's edge); absent means AWS itself. */
  readonly endpoint?: string;
  readonly region: string;
  /** Stack outputs (UserPoolClientId is read from them). */
  readonly outputs: StackOutputs;
}

/** Options of {@link simulate}. */
export interface SimulationOptions {
  readonly target: SimulationTarget;
  /** Orders placed per second. */
  readonly rate: number;
  /** How many orders to place in all. */
  readonly orders: number;
  /** @default DEFAULT_MIX */
  readonly mix?: ScenarioMix;
  /**
   * How long an unanswered order (`timeout`) is watched for the lifecycle's rejection before it counts as WAITING.
   * @default 30 seconds
   */
  readonly timeoutWatchMs?: number;
  /**
   * How long any other step may take (a status to appear, a request to answer) before the order is an ERROR.
   * @default 30 seconds
   */
  readonly stepTimeoutMs?: number;
  /** Called about every second and once at the end. */
  readonly onProgress?: (snapshot: SimulationSnapshot) => void;
}

/** Where a run stands. */
export interface SimulationSnapshot {
  readonly elapsedMs: number;
  /** Orders the API accepted (201). */
  readonly placed: number;
  /** Orders still being played. */
  readonly inFlight: number;
  readonly target: number;
  /** Orders started, by scenario. */
  readonly scenarios: Readonly<Record<Scenario, number>>;
  /** Finished orders by outcome. */
  readonly outcomes: Readonly<Record<Outcome, number>>;
  /** Finished orders whose outcome was not what their scenario expects (an unanswered order may still be WAITING). */
  readonly unexpected: number;
  /** Median and 99th percentile of `POST /orders` latency, in ms. */
  readonly placeLatencyMs: { readonly p50: number; readonly p99: number };
  /** The first few errors, for the summary. */
  readonly errors: readonly string[];
}

/** The seeded actors (seed/demo.ts) and what they can order from (items without limited stock). */
const CUSTOMERS = ['alice@dishpatch.example', 'bob@dishpatch.example'] as const;
const KITCHENS = [
  { restaurantId: 'r-pizzeria', staff: 'staff@pizzeria.example', items: ['margherita', 'diavola'] },
  { restaurantId: 'r-sushi', staff: 'staff@sushi.example', items: ['salmon-nigiri', 'maki-set'] },
] as const;
const COURIER = 'courier@dishpatch.example';
const ADDRESS = { line1: '1 Simulation Way', city: 'Springfield', postalCode: '12345', country: 'US' };
const MAX_ERRORS_KEPT = 5;
const POLL_MS = 200;

/**
 * Picks scenarios by smooth weighted round-robin: deterministic, and every prefix of the sequence follows the
 * weights as closely as whole orders can (10 orders of 5:1:1:1:1 are exactly 5, 1, 1, 1, 1... plus one more).
 */
export function scenarioPicker(mix: ScenarioMix): () => Scenario {
  const weights = SCENARIOS.map((scenario) => ({ scenario, weight: Math.max(0, mix[scenario] ?? 0), current: 0 }));
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  if (total <= 0) throw new Error('The scenario mix needs at least one positive weight');
  return () => {
    let best = weights[0] as (typeof weights)[number];
    for (const w of weights) {
      w.current += w.weight;
      if (w.current > best.current) best = w;
    }
    best.current -= total;
    return best.scenario;
  };
}

/** Parses `deliver=5,reject=1,...`. */
export function parseMix(text: string): ScenarioMix {
  const mix: Partial<Record<Scenario, number>> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [name, weight] = part.split('=');
    if (!(SCENARIOS as readonly string[]).includes(name ?? '') || !Number.isFinite(Number(weight))) {
      throw new Error(`Bad mix entry ${JSON.stringify(part)}: use ${SCENARIOS.map((s) => `${s}=<weight>`).join(',')}`);
    }
    mix[name as Scenario] = Number(weight);
  }
  return mix;
}

/** An API failure worth reporting: the step, the status and the body. */
class JourneyError extends Error {
  override readonly name = 'JourneyError';
}

/** The REST API as one actor sees it. */
class ApiClient {
  constructor(
    private readonly apiUrl: string,
    private readonly stepTimeoutMs: number,
  ) {}

  async call(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.stepTimeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed };
  }

  /** Sends an event through a route that answers 202 (staff and courier routes, cancel). */
  async expect202(token: string, path: string, body?: unknown): Promise<void> {
    const res = await this.call(token, 'POST', path, body);
    if (res.status !== 202) throw new JourneyError(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  /** Polls the order's status until it is one of `statuses` or `timeoutMs` passes; returns the last status. */
  async waitForStatus(token: string, orderId: string, statuses: readonly string[], timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.call(token, 'GET', `/orders/${orderId}/status`);
      const status = String(res.body?.status ?? `HTTP ${res.status}`);
      if (statuses.includes(status) || Date.now() >= deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** Statuses after which nothing more happens to an order. */
const TERMINAL = ['DELIVERED', 'REJECTED', 'CANCELLED', 'PAYMENT_FAILED', 'FAILED'];

/** Signs every demo actor in once through Cognito. */
async function signIn(target: SimulationTarget): Promise<Map<string, string>> {
  const cognito = new CognitoIdentityProviderClient({
    region: target.region,
    ...(target.endpoint
      ? { endpoint: target.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  const clientId = output(target.outputs, 'UserPoolClientId');
  const emails = [...CUSTOMERS, ...KITCHENS.map((k) => k.staff), COURIER];
  const tokens = await Promise.all(
    emails.map(async (email) => {
      const res = await cognito.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD },
        }),
      );
      const token = res.AuthenticationResult?.IdToken;
      if (!token) throw new Error(`Cognito gave no ID token for ${email}: are the demo users seeded?`);
      return [email, token] as const;
    }),
  );
  return new Map(tokens);
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

/**
 * Plays `options.orders` journeys at `options.rate` orders per second and resolves when every one has ended
 * (or given up waiting), with the final snapshot. The counts always add up: every started order ends in
 * exactly one outcome.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationSnapshot> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
  const timeoutWatchMs = options.timeoutWatchMs ?? 30_000;
  const api = new ApiClient(options.target.apiUrl.replace(/\/$/, ''), stepTimeoutMs);
  const tokens = await signIn(options.target);
  const tokenOf = (email: string): string => tokens.get(email) as string;
  const pick = scenarioPicker(options.mix ?? DEFAULT_MIX);

  const started = Date.now();
  const scenarios = Object.fromEntries(SCENARIOS.map((s) => [s, 0])) as Record<Scenario, number>;
  const outcomes: Record<Outcome, number> = {
    DELIVERED: 0,
    REJECTED: 0,
    CANCELLED: 0,
    PAYMENT_FAILED: 0,
    WAITING: 0,
    ERROR: 0,
  };
  const latencies: number[] = [];
  const errors: string[] = [];
  let placed = 0;
  let inFlight = 0;
  let unexpected = 0;

  const snapshot = (): SimulationSnapshot => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      elapsedMs: Date.now() - started,
      placed,
      inFlight,
      target: options.orders,
      scenarios: { ...scenarios },
      outcomes: { ...outcomes },
      unexpected,
      placeLatencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99) },
      errors: [...errors],
    };
  };

  /** One order from placement to its end, as its customer, its restaurant and a courier play it. */
  const journey = async (n: number, scenario: Scenario): Promise<Outcome> => {
    const customer = tokenOf(CUSTOMERS[n % CUSTOMERS.length] as string);
    const kitchen = KITCHENS[n % KITCHENS.length] as (typeof KITCHENS)[number];
    const staff = tokenOf(kitchen.staff);
    const courier = tokenOf(COURIER);
    const t0 = Date.now();
    const res = await api.call(
      customer,
      'POST',
      '/orders',
      {
        restaurantId: kitchen.restaurantId,
        items: [{ menuItemId: kitchen.items[n % kitchen.items.length], quantity: 1 + (n % 3) }],
        deliveryAddress: ADDRESS,
        paymentToken: scenario === 'decline' ? 'tok_declined' : 'tok_visa',
      },
      { 'Idempotency-Key': `simulate-${randomUUID()}` },
    );
    latencies.push(Date.now() - t0);
    const orderId = res.body?.orderId;
    if (res.status !== 201 || typeof orderId !== 'string') {
      throw new JourneyError(`POST /orders answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    placed += 1;

    const orderPath = `/restaurants/${kitchen.restaurantId}/orders/${orderId}/events`;
    const courierPath = `/deliveries/${orderId}/events`;
    const reach = async (status: string): Promise<string> => {
      const reached = await api.waitForStatus(customer, orderId, [status, ...TERMINAL], stepTimeoutMs);
      if (reached !== status) throw new JourneyError(`order ${orderId} is ${reached}, expected ${status}`);
      return reached;
    };
    const end = async (watchMs: number): Promise<Outcome> => {
      const status = await api.waitForStatus(customer, orderId, TERMINAL, watchMs);
      if (TERMINAL.includes(status) && status !== 'FAILED') return status as Outcome;
      if (status === 'FAILED') throw new JourneyError(`order ${orderId} ended FAILED`);
      return 'WAITING';
    };

    switch (scenario) {
      case 'deliver':
        await api.expect202(staff, orderPath, { type: 'OrderAccepted', etaMinutes: 20 });
        await reach('ACCEPTED');
        await api.expect202(staff, orderPath, { type: 'OrderPreparing' });
        await reach('PREPARING');
        await api.expect202(staff, orderPath, { type: 'OrderReady' });
        await reach('READY');
        await api.expect202(courier, courierPath, { type: 'OrderPickedUp' });
        await reach('PICKED_UP');
        await api.expect202(courier, courierPath, { type: 'OrderDelivered' });
        return end(stepTimeoutMs);
      case 'reject':
        await api.expect202(staff, orderPath, { type: 'OrderRejected', reason: 'Simulated: kitchen too busy' });
        return end(stepTimeoutMs);
      case 'cancel':
        await api.expect202(customer, `/orders/${orderId}/cancel`);
        return end(stepTimeoutMs);
      case 'decline':
        return end(stepTimeoutMs);
      case 'timeout':
        // Nobody answers: the lifecycle's acceptance wait rejects the order, if the run watches long enough.
        return end(timeoutWatchMs);
    }
  };

  const ticker = setInterval(() => options.onProgress?.(snapshot()), 1000);
  const running: Promise<void>[] = [];
  try {
    for (let n = 0; n < options.orders; n += 1) {
      // Scheduled against the start time, so slow requests never lower the rate.
      const due = started + (n * 1000) / options.rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const scenario = pick();
      scenarios[scenario] += 1;
      inFlight += 1;
      running.push(
        journey(n, scenario)
          .catch((error: unknown): Outcome => {
            if (errors.length < MAX_ERRORS_KEPT) errors.push(`${scenario}: ${(error as Error).message}`);
            return 'ERROR';
          })
          .then((outcome) => {
            outcomes[outcome] += 1;
            // Only an unanswered order may still be waiting: any other order that stalls is a finding.
            const fine = outcome === EXPECTED_OUTCOME[scenario] || (scenario === 'timeout' && outcome === 'WAITING');
            if (!fine) unexpected += 1;
            inFlight -= 1;
          }),
      );
    }
    await Promise.all(running);
  } finally {
    clearInterval(ticker);
  }
  const final = snapshot();
  options.onProgress?.(final);
  return final;
}

/** One line of the live summary. */
export function formatSnapshot(s: SimulationSnapshot): string {
  const seconds = s.elapsedMs / 1000;
  const o = s.outcomes;
  return [
    `${seconds.toFixed(0).padStart(4)} s`,
    `placed ${s.placed}/${s.target} (${(s.placed / Math.max(seconds, 0.001)).toFixed(1)}/s)`,
    `in flight ${s.inFlight}`,
    `delivered ${o.DELIVERED}`,
    `rejected ${o.REJECTED}`,
    `cancelled ${o.CANCELLED}`,
    `declined ${o.PAYMENT_FAILED}`,
    `waiting ${o.WAITING}`,
    `errors ${o.ERROR}`,
    `POST /orders p50 ${s.placeLatencyMs.p50} ms p99 ${s.placeLatencyMs.p99} ms`,
  ].join(' | ');
}

/** The final table: per scenario, how many were played and what they were expected to end as. */
export function formatSummary(s: SimulationSnapshot): string {
  const rows = SCENARIOS.filter((scenario) => s.scenarios[scenario] > 0).map(
    (scenario) =>
      `  ${scenario.padEnd(8)} ${String(s.scenarios[scenario]).padStart(5)}  → ${EXPECTED_OUTCOME[scenario]}`,
  );
  const outcomes = Object.entries(s.outcomes).map(([outcome, n]) => `  ${outcome.padEnd(15)} ${String(n).padStart(5)}`);
  return [
    'Scenarios played:',
    ...rows,
    'Outcomes:',
    ...outcomes,
    `Unexpected outcomes: ${s.unexpected}`,
    ...(s.errors.length > 0 ? ['First errors:', ...s.errors.map((e) => `  ${e}`)] : []),
  ].join('\n');
}

/** Reads `cdk deploy --outputs-file` JSON (what `npm start` writes to `.dishpatch/outputs.json`). */
export function readOutputs(file: string): StackOutputs {
  if (!existsSync(file)) {
    throw new Error(`No stack outputs at ${file}: start the local cloud first (npm start), or pass --outputs <file>`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as StackOutputs;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '2' },
      duration: { type: 'string', default: '60' },
      orders: { type: 'string' },
      outputs: { type: 'string', default: process.env.DISHPATCH_OUTPUTS_FILE ?? '.dishpatch/outputs.json' },
      endpoint: { type: 'string', default: process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566' },
      region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
      mix: { type: 'string' },
      settle: { type: 'string', default: '30' },
      aws: { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  const orders = values.orders ? Number(values.orders) : Math.round(rate * Number(values.duration));
  if (!(rate > 0) || !(orders > 0)) throw new Error('--rate and --duration (or --orders) must be positive numbers');
  const outputs = readOutputs(values.outputs);
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  const final = await simulate({
    target: {
      apiUrl: output(outputs, 'ApiUrl'),
      ...(values.aws ? {} : { endpoint: values.endpoint }),
      region: values.region,
      outputs,
    },
    rate,
    orders,
    ...(values.mix ? { mix: parseMix(values.mix) } : {}),
    timeoutWatchMs: Number(values.settle) * 1000,
    onProgress: (snapshot) => {
      // Redrawn in place on a terminal; in a log, a line every 5 seconds is enough.
      if (tty) process.stdout.write(`\r\x1b[2K${formatSnapshot(snapshot)}`);
      else if (snapshot.elapsedMs - lastPrinted >= 5000) {
        lastPrinted = snapshot.elapsedMs;
        console.log(formatSnapshot(snapshot));
      }
    },
  });
  process.stdout.write(`${tty ? '\n' : `${formatSnapshot(final)}\n`}${formatSummary(final)}\n`);
  if (final.outcomes.ERROR > 0 || final.unexpected > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
