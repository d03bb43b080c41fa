import { RemovalPolicy } from 'aws-cdk-lib';
import { STAGE_NAMES, STAGES, stageConfig } from '../../../lib/config/stages';

describe('stage configuration', () => {
  it('defaults to dev', () => {
    expect(stageConfig().stage).toBe('dev');
    expect(stageConfig(undefined).stage).toBe('dev');
  });

  it('rejects an unknown stage instead of deploying a half-configured one', () => {
    expect(() => stageConfig('production')).toThrow(/Unknown stage "production"/);
  });

  it.each(STAGE_NAMES)('waits 300 s for the restaurant in %s, as DESIGN §5 says', (stage) => {
    expect(STAGES[stage].timeouts.acceptance.toSeconds()).toBe(300);
  });

  it('keeps staging and prod data (RETAIN, point-in-time recovery) and throws dev and local data away', () => {
    for (const stage of ['staging', 'prod'] as const) {
      expect(STAGES[stage]).toMatchObject({ removalPolicy: RemovalPolicy.RETAIN, pointInTimeRecovery: true });
    }
    for (const stage of ['local', 'dev'] as const) {
      expect(STAGES[stage]).toMatchObject({ removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false });
    }
  });

  it('pages someone only where it matters', () => {
    expect(STAGES.prod.alarmEmail).toMatch(/@/);
    expect(STAGES.dev.alarmEmail).toBeUndefined();
  });

  it('throttles prod harder than dev would allow', () => {
    expect(STAGES.prod.apiThrottling.rateLimit).toBeGreaterThan(STAGES.dev.apiThrottling.rateLimit);
    for (const stage of STAGE_NAMES) {
      expect(STAGES[stage].apiThrottling.burstLimit).toBeGreaterThanOrEqual(STAGES[stage].apiThrottling.rateLimit);
    }
  });
});
