import {
  DEFAULT_MIX,
  formatSnapshot,
  parseMix,
  SCENARIOS,
  type Scenario,
  type SimulationSnapshot,
  scenarioPicker,
} from '../../scripts/simulate';

const countOf = (picks: Scenario[]) =>
  Object.fromEntries(SCENARIOS.map((scenario) => [scenario, picks.filter((pick) => pick === scenario).length]));

describe('scenarioPicker', () => {
  it('follows the weights exactly over one full cycle', () => {
    // Prepare
    const pick = scenarioPicker(DEFAULT_MIX);

    // Act
    const picks = Array.from({ length: 9 }, pick);

    // Assess
    expect(countOf(picks)).toEqual({ deliver: 5, reject: 1, timeout: 1, cancel: 1, decline: 1 });
  });

  it('spreads the heavy scenario instead of bunching it', () => {
    const picks = Array.from({ length: 9 }, scenarioPicker(DEFAULT_MIX));
    const longestRun = picks.reduce(
      (acc, pick, i) => {
        const run = pick === picks[i - 1] ? acc.run + 1 : 1;
        return { run, max: Math.max(acc.max, run) };
      },
      { run: 0, max: 0 },
    ).max;
    expect(longestRun).toBeLessThanOrEqual(2);
  });

  it('never picks a scenario of weight zero', () => {
    const picks = Array.from({ length: 20 }, scenarioPicker({ deliver: 1, cancel: 0, decline: 1 }));
    expect(new Set(picks)).toEqual(new Set(['deliver', 'decline']));
  });

  it('refuses a mix without any positive weight', () => {
    expect(() => scenarioPicker({ deliver: 0 })).toThrow(/at least one positive weight/);
  });
});

describe('parseMix', () => {
  it('reads name=weight pairs', () => {
    expect(parseMix('deliver=3,timeout=1')).toEqual({ deliver: 3, timeout: 1 });
  });

  it('rejects an unknown scenario with the accepted names', () => {
    expect(() => parseMix('deliver=3,explode=1')).toThrow(/explode.*deliver=<weight>/);
  });
});

describe('formatSnapshot', () => {
  it('shows progress, rate, outcomes and placement latency on one line', () => {
    // Prepare
    const snapshot: SimulationSnapshot = {
      elapsedMs: 5000,
      placed: 10,
      inFlight: 3,
      target: 120,
      scenarios: { deliver: 6, reject: 1, timeout: 1, cancel: 1, decline: 1 },
      outcomes: { DELIVERED: 4, REJECTED: 1, CANCELLED: 1, PAYMENT_FAILED: 1, WAITING: 0, ERROR: 0 },
      unexpected: 0,
      placeLatencyMs: { p50: 40, p99: 180 },
      errors: [],
    };

    // Act
    const line = formatSnapshot(snapshot);

    // Assess
    expect(line).not.toContain('\n');
    expect(line).toContain('placed 10/120 (2.0/s)');
    expect(line).toContain('delivered 4');
    expect(line).toContain('p50 40 ms p99 180 ms');
  });
});
