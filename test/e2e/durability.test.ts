/**
 * Durability (issue 4): `npm start`'s process is killed (SIGKILL, no clean stop) in the middle of an order's
 * lifecycle; a new process on the same data folder still has the order, its waiting execution and its task token,
 * and the order can be completed. Everything is driven as a user would: HTTP, the AWS SDK, the CLI entry point.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DEMO_PASSWORD } from '../../seed/demo';
import { E2E_ASSEMBLY } from './support/global-setup';
import { ADDRESS, credentials, pollUntil, region, USERS } from './support/harness';

const root = join(__dirname, '..', '..');

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

interface Started {
  readonly child: ChildProcess;
  readonly endpoint: string;
  readonly api: string;
  readonly output: () => string;
}

/** `tsx local/cli.ts` on a data folder, without a synth (the e2e setup made the assembly); resolves when it is up. */
const startCli = async (dataDir: string, edgePort: number, apiPort: number): Promise<Started> => {
  const args = ['--seed', 'seed/demo.ts', '--no-synth', '--assembly', E2E_ASSEMBLY, '--data-dir', dataDir];
  const child = spawn(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['local/cli.ts', ...args, '--edge-port', String(edgePort), '--api-port', String(apiPort)],
    // Its own process group: tsx runs node as a child, and the functions run in grandchildren; all must die.
    {
      cwd: root,
      env: { ...process.env, DISHPATCH_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  await pollUntil(
    async () => out,
    (text) => text.includes('Ctrl-C stops it') || child.exitCode !== null,
    { timeoutMs: 60_000, intervalMs: 100, what: 'the local cloud to start' },
  );
  if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${out}`);
  return {
    child,
    endpoint: `http://localhost:${edgePort}`,
    api: `http://localhost:${apiPort}/local`,
    output: () => out,
  };
};

const killHard = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  });

describe('a killed local cloud resumes an order mid-lifecycle', () => {
  let dataDir: string;
  let running: Started | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dishpatch-durability-'));
  });
  afterAll(async () => {
    if (running) await killHard(running.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the order, its waiting execution and its token across a SIGKILL, and completes it after', async () => {
    // Prepare: a first process, an order placed and accepted, waiting for the kitchen.
    const [edgePort, apiPort] = [await freePort(), await freePort()];
    running = await startCli(dataDir, edgePort, apiPort);
    const outputs = (await import(join(dataDir, 'outputs.json'))) as Record<string, Record<string, string>>;
    const out = (key: string): string => Object.values(outputs).find((o) => o[key])?.[key] ?? '';
    const signIn = async (endpoint: string, email: string): Promise<string> => {
      const cognito = new CognitoIdentityProviderClient({ endpoint, region, credentials });
      const res = await cognito.send(
        new InitiateAuthCommand({
          ClientId: out('UserPoolClientId'),
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD },
        }),
      );
      return res.AuthenticationResult?.IdToken ?? '';
    };
    const call = async (api: string, token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': `durability-${path.length}-${method}`,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
    };
    const status = async (api: string, token: string, orderId: string): Promise<string> =>
      (await call(api, token, 'GET', `/orders/${orderId}/status`)).body?.status;

    const alice = await signIn(running.endpoint, USERS.alice);
    const staff = await signIn(running.endpoint, USERS.pizzeriaStaff);
    const placed = await call(running.api, alice, 'POST', '/orders', {
      restaurantId: 'r-pizzeria',
      items: [{ menuItemId: 'margherita', quantity: 1 }],
      deliveryAddress: ADDRESS,
      paymentToken: 'tok_visa',
    });
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.orderId;
    await pollUntil(
      async () =>
        (
          await call(running!.api, staff, 'POST', `/restaurants/r-pizzeria/orders/${orderId}/events`, {
            type: 'OrderAccepted',
          })
        ).status,
      (s) => s === 202,
      { what: 'the acceptance to be taken' },
    );
    await pollUntil(
      () => status(running!.api, alice, orderId),
      (s) => s === 'ACCEPTED',
      {
        timeoutMs: 45_000,
        what: 'ACCEPTED',
      },
    );

    // Act: kill the process without a clean stop, start a new one on the same folder (same ports).
    await killHard(running.child);
    running = await startCli(dataDir, edgePort, apiPort);

    // Assess: the order and its execution are still there and waiting; the rest of the journey completes.
    expect(await status(running.api, alice, orderId)).toBe('ACCEPTED');
    const sfn = new SFNClient({ endpoint: running.endpoint, region, credentials });
    const executionArn = `${out('OrderLifecycleStateMachineArn').replace(':stateMachine:', ':execution:')}:${orderId}`;
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    const courier = await signIn(running.endpoint, USERS.courier);
    const steps: [string, string, string][] = [
      [`/restaurants/r-pizzeria/orders/${orderId}/events`, 'OrderPreparing', 'PREPARING'],
      [`/restaurants/r-pizzeria/orders/${orderId}/events`, 'OrderReady', 'READY'],
      [`/deliveries/${orderId}/events`, 'OrderPickedUp', 'PICKED_UP'],
      [`/deliveries/${orderId}/events`, 'OrderDelivered', 'DELIVERED'],
    ];
    for (const [path, type, expected] of steps) {
      const token = path.startsWith('/deliveries') ? courier : staff;
      expect((await call(running.api, token, 'POST', path, { type })).status).toBe(202);
      await pollUntil(
        () => status(running!.api, alice, orderId),
        (s) => s === expected,
        {
          timeoutMs: 45_000,
          what: expected,
        },
      );
    }
    await pollUntil(
      async () => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status,
      (s) => s === 'SUCCEEDED',
      { timeoutMs: 30_000, what: 'the execution to succeed' },
    );
  }, 240_000);
});
