/**
 * `npm run simulate` against a cloud started in-process: a short run at the default mix, through the same
 * `simulate()` the CLI calls. Every order must end in exactly one outcome, the one its scenario expects; the
 * unanswered orders are still waiting for the restaurant (the acceptance wait is 300 s on `local`).
 */
import { type SimulationSnapshot, simulate } from '../../scripts/simulate';
import { type App, region, startApp } from './support/harness';

jest.setTimeout(120_000);

let app: App;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
});

describe('npm run simulate', () => {
  it('plays 10 orders at 4/s and every outcome matches its scenario', async () => {
    // Prepare
    const progress: SimulationSnapshot[] = [];

    // Act
    const summary = await simulate({
      target: { apiUrl: app.api, endpoint: app.endpoint, region, outputs: app.outputs },
      rate: 4,
      orders: 10,
      // The unanswered order is watched briefly: the local stage's acceptance wait is far longer than this test.
      timeoutWatchMs: 500,
      onProgress: (snapshot) => progress.push(snapshot),
    });

    // Assess: 10 of 5:1:1:1:1 are 6 deliveries (the cycle restarts with one) and one of everything else.
    expect(summary.errors).toEqual([]);
    expect(summary.scenarios).toEqual({ deliver: 6, reject: 1, timeout: 1, cancel: 1, decline: 1 });
    expect(summary.outcomes).toEqual({
      DELIVERED: 6,
      REJECTED: 1,
      CANCELLED: 1,
      PAYMENT_FAILED: 1,
      WAITING: 1,
      ERROR: 0,
    });
    expect(summary).toMatchObject({ placed: 10, inFlight: 0, unexpected: 0 });
    expect(progress.at(-1)).toEqual(summary);
    expect(summary.placeLatencyMs.p99).toBeGreaterThan(0);
  });
});
