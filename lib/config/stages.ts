import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** The stages dishpatch deploys to; `local` is what `npm start` synthesizes for the local cloud. */
export const STAGE_NAMES = ['local', 'dev', 'staging', 'prod'] as const;

/** One of {@link STAGE_NAMES}. */
export type StageName = (typeof STAGE_NAMES)[number];

/** How long the order lifecycle waits for each party before it escalates or gives up. */
export interface LifecycleTimeouts {
  /** Wait for the restaurant's `OrderAccepted`/`OrderRejected`; on timeout the order is rejected. */
  readonly acceptance: Duration;
  /** Each kitchen wait (`OrderPreparing`, then `OrderReady`); escalated once, then the order is rejected. */
  readonly kitchen: Duration;
  /** Each courier wait (`OrderPickedUp`, then `OrderDelivered`); escalated once, then the execution fails for ops. */
  readonly courier: Duration;
}

/** Everything that differs between stages. */
export interface StageConfig {
  /** The stage name, used in resource names such as the bus `dishpatch-<stage>`. */
  readonly stage: StageName;
  /** Task-token wait timeouts of the order lifecycle. */
  readonly timeouts: LifecycleTimeouts;
  /** Retention of every log group the app creates. */
  readonly logRetention: RetentionDays;
  /** What happens to stateful resources (tables, user pool, log groups) when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** Point-in-time recovery on the DynamoDB tables. */
  readonly pointInTimeRecovery: boolean;
  /** Where alarms are e-mailed; absent means no subscription (alarms still exist). */
  readonly alarmEmail?: string;
  /** API Gateway stage throttling. */
  readonly apiThrottling: { readonly rateLimit: number; readonly burstLimit: number };
  /** How long API Gateway caches an authorizer decision per token (0 disables the cache). */
  readonly authorizerCacheTtl: Duration;
  /** Powertools log level of every function. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

const minutes = (n: number): Duration => Duration.minutes(n);

/** The configuration of every stage. Timeouts: acceptance defaults to 300 s as DESIGN §5 asks. */
export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  local: {
    stage: 'local',
    timeouts: { acceptance: Duration.seconds(300), kitchen: minutes(30), courier: minutes(45) },
    logRetention: RetentionDays.ONE_DAY,
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
    apiThrottling: { rateLimit: 1000, burstLimit: 2000 },
    // Zero keeps local runs deterministic: a changed group shows on the next request.
    authorizerCacheTtl: Duration.seconds(0),
    logLevel: 'DEBUG',
  },
  dev: {
    stage: 'dev',
    timeouts: { acceptance: Duration.seconds(300), kitchen: minutes(30), courier: minutes(45) },
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
    apiThrottling: { rateLimit: 50, burstLimit: 100 },
    authorizerCacheTtl: Duration.minutes(5),
    logLevel: 'DEBUG',
  },
  staging: {
    stage: 'staging',
    timeouts: { acceptance: Duration.seconds(300), kitchen: minutes(30), courier: minutes(45) },
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
    pointInTimeRecovery: true,
    alarmEmail: 'oncall-staging@dishpatch.example',
    apiThrottling: { rateLimit: 200, burstLimit: 400 },
    authorizerCacheTtl: Duration.minutes(5),
    logLevel: 'INFO',
  },
  prod: {
    stage: 'prod',
    timeouts: { acceptance: Duration.seconds(300), kitchen: minutes(40), courier: minutes(60) },
    logRetention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    pointInTimeRecovery: true,
    alarmEmail: 'oncall@dishpatch.example',
    apiThrottling: { rateLimit: 1000, burstLimit: 2000 },
    authorizerCacheTtl: Duration.minutes(5),
    logLevel: 'INFO',
  },
};

/** Type guard for a stage name read from CDK context. */
export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (STAGE_NAMES as readonly string[]).includes(value);
}

/**
 * The configuration of a stage, failing fast on an unknown name so a typo never deploys a half-configured stack.
 * @param name - the `stage` context value; `undefined` means `dev`
 */
export function stageConfig(name: unknown = 'dev'): StageConfig {
  if (!isStageName(name)) {
    throw new Error(`Unknown stage ${JSON.stringify(name)}: use one of ${STAGE_NAMES.join(', ')}`);
  }
  return STAGES[name];
}
