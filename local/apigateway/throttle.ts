/** Token-bucket throttling (stage, method, usage plan) and API key / usage plan quota checks. */
import { GatewayError } from './gateway-responses.ts';
import type { ApiKeyDef, GatewayModel, MethodSetting, StageDef, UsagePlanDef } from './model.ts';

/** A token bucket: `burst` tokens, refilled at `rate` per second. */
class Bucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const PERIOD_MS = { DAY: 86_400_000, WEEK: 7 * 86_400_000, MONTH: 30 * 86_400_000 } as const;

/** Throttling state of one running gateway. */
export class Throttling {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotas = new Map<string, { used: number; resetAt: number }>();

  constructor(private readonly model: GatewayModel) {}

  private take(key: string, rate: number | undefined, burst: number | undefined): boolean {
    if (rate === undefined && burst === undefined) return true;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // A missing limit means "no limit" on that axis; AWS's account default is 10,000/s with a 5,000 burst.
      bucket = new Bucket(rate ?? 10_000, burst ?? Math.max(1, Math.ceil(rate ?? 5_000)));
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** Stage and method throttling: the most specific MethodSettings entry applies. */
  checkStage(apiId: string, stage: StageDef, resourcePath: string, httpMethod: string): void {
    const setting = mostSpecific(stage.methodSettings, resourcePath, httpMethod);
    if (!setting) return;
    const key = `stage:${apiId}/${stage.name}/${setting.resourcePath}/${setting.httpMethod}`;
    if (!this.take(key, setting.rateLimit, setting.burstLimit)) throw new GatewayError('THROTTLED');
  }

  /** Find the enabled API key with this value that belongs to a usage plan of the stage. */
  resolveKey(
    value: string | undefined,
    apiId: string,
    stage: string,
  ): { key: ApiKeyDef; plan: UsagePlanDef } | undefined {
    if (!value) return undefined;
    const key = this.model.apiKeys.find((k) => k.value === value && k.enabled);
    if (!key) return undefined;
    const plan = (this.model.planKeys.get(key.id) ?? [])
      .map((id) => this.model.usagePlans.find((p) => p.id === id))
      .find((p) => p?.stages.some((s) => s.apiId === apiId && s.stage === stage));
    return plan ? { key, plan } : undefined;
  }

  /** Usage plan throttle (per key), per-method throttle and quota. */
  checkPlan(
    key: ApiKeyDef,
    plan: UsagePlanDef,
    apiId: string,
    stage: string,
    resourcePath: string,
    httpMethod: string,
  ): void {
    const apiStage = plan.stages.find((s) => s.apiId === apiId && s.stage === stage);
    const methodThrottle = apiStage?.throttle[`${resourcePath}/${httpMethod}`];
    if (
      methodThrottle &&
      !this.take(
        `plan:${plan.id}:${key.id}:${resourcePath}/${httpMethod}`,
        methodThrottle.rateLimit,
        methodThrottle.burstLimit,
      )
    )
      throw new GatewayError('THROTTLED');
    if (!this.take(`plan:${plan.id}:${key.id}`, plan.rateLimit, plan.burstLimit)) throw new GatewayError('THROTTLED');
    if (plan.quota) {
      const now = Date.now();
      const qkey = `${plan.id}:${key.id}`;
      let quota = this.quotas.get(qkey);
      if (!quota || quota.resetAt <= now) {
        quota = { used: 0, resetAt: now + PERIOD_MS[plan.quota.period] };
        this.quotas.set(qkey, quota);
      }
      if (quota.used >= plan.quota.limit) throw new GatewayError('QUOTA_EXCEEDED');
      quota.used += 1;
    }
  }
}

const mostSpecific = (settings: readonly MethodSetting[], resourcePath: string, httpMethod: string) => {
  const score = (s: MethodSetting): number => {
    const pathOk = s.resourcePath === '/*' || s.resourcePath === resourcePath;
    const methodOk = s.httpMethod === '*' || s.httpMethod === httpMethod;
    if (!pathOk || !methodOk) return -1;
    return (s.resourcePath === '/*' ? 0 : 2) + (s.httpMethod === '*' ? 0 : 1);
  };
  return settings
    .filter((s) => s.rateLimit !== undefined || s.burstLimit !== undefined)
    .map((s) => ({ s, score: score(s) }))
    .filter((x) => x.score >= 0)
    .sort((a, b) => b.score - a.score)[0]?.s;
};
