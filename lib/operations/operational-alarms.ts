import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { OperatedResources } from './operated-resources';

/** When the alarms of {@link OperationalAlarms} fire. */
export interface AlarmThresholds {
  /** Share of API requests answered 5XX over 5 minutes, twice in a row (0.05 = 5 %). */
  readonly api5xxRate: number;
  /** API p99 latency in milliseconds over 5 minutes, three times in a row. */
  readonly apiP99LatencyMs: number;
  /** Age in seconds of the oldest message of a work queue: its consumer is stuck or too slow. */
  readonly oldestMessageAgeSeconds: number;
  /**
   * Error rate in percent of a function whose thrown errors are also business outcomes (a declined card, an
   * empty stock), over 5 minutes, three times in a row.
   */
  readonly businessErrorRatePercent: number;
}

/** The thresholds of every stage unless overridden. */
export const DEFAULT_ALARM_THRESHOLDS: AlarmThresholds = {
  api5xxRate: 0.05,
  apiP99LatencyMs: 3000,
  oldestMessageAgeSeconds: 300,
  businessErrorRatePercent: 50,
};

/** Props of {@link OperationalAlarms}. */
export interface OperationalAlarmsProps extends OperatedResources {
  readonly config: StageConfig;
  /** State machines whose FAILED or TIMED_OUT executions page someone (a FAILED lifecycle is a technical failure). */
  readonly stateMachines: Readonly<Record<string, IStateMachine>>;
  /** The REST API whose stage is watched for 5XX and latency. */
  readonly api: apigw.RestApi;
  /**
   * Functions that throw typed errors as part of the business (the workflows catch them): these alarm on an
   * error rate instead of the first error.
   * @default - none: every function alarms on its first error
   */
  readonly functionsWithBusinessErrors?: readonly IFunction[];
  /**
   * Alarm thresholds.
   * @default DEFAULT_ALARM_THRESHOLDS
   */
  readonly thresholds?: Partial<AlarmThresholds>;
}

/** Options of {@link OperationalAlarms.addAlarm}. */
export interface AddAlarmOptions {
  /**
   * The alarm fires when the metric reaches this value (greater than or equal).
   * @default 1
   */
  readonly threshold?: number;
  /**
   * Consecutive periods that must breach.
   * @default 1
   */
  readonly evaluationPeriods?: number;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * The alarms that need a human, on one SNS topic that e-mails the stage's on-call address: any dead-letter
 * queue not empty, workflow executions FAILED or TIMED_OUT, the API's 5XX rate and p99 latency, Lambda errors
 * and throttles, and work waiting too long in a queue. The dashboard ({@link OperationsDashboard}) shows the
 * same metrics; more alarms join through {@link OperationalAlarms.addAlarm}.
 */
export class OperationalAlarms extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    const thresholds = { ...DEFAULT_ALARM_THRESHOLDS, ...props.thresholds };
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `dishpatch ${props.config.stage} alarms`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'Alarm notifications carry alarm names and states only, no customer data; a CMK adds cost without value.',
    });
    if (props.config.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.config.alarmEmail));
    }

    const sum = { period: ONE_MINUTE, statistic: cloudwatch.Stats.SUM };
    for (const [name, stateMachine] of Object.entries(props.stateMachines)) {
      this.addAlarm(
        `${name}Failed`,
        stateMachine.metricFailed(sum),
        `An execution of ${name} failed: a technical failure or a stalled delivery needs a human`,
      );
      this.addAlarm(
        `${name}TimedOut`,
        stateMachine.metricTimedOut(sum),
        `An execution of ${name} ran past its TimeoutSeconds: a wait or a step never ended`,
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.addAlarm(
        `${name}NotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }),
        `Messages are waiting in the dead-letter queue ${name}`,
      );
    }
    for (const [name, queue] of Object.entries(props.workQueues)) {
      this.addAlarm(
        `${name}OldestMessageAge`,
        queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }),
        `A message has waited more than ${thresholds.oldestMessageAgeSeconds} s in ${name}: its consumer is stuck or too slow`,
        { threshold: thresholds.oldestMessageAgeSeconds, evaluationPeriods: 3 },
      );
    }

    const stage = props.api.deploymentStage;
    this.addAlarm(
      'Api5xxRate',
      // 5XXError is 0 or 1 per request, so its average is the share of requests that failed.
      stage.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.AVERAGE }),
      `More than ${thresholds.api5xxRate * 100} % of API requests answered 5XX for 10 minutes`,
      { threshold: thresholds.api5xxRate, evaluationPeriods: 2 },
    );
    this.addAlarm(
      'ApiP99Latency',
      stage.metricLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
      `API p99 latency above ${thresholds.apiP99LatencyMs} ms for 15 minutes`,
      { threshold: thresholds.apiP99LatencyMs, evaluationPeriods: 3 },
    );

    const businessErrors = new Set(props.functionsWithBusinessErrors ?? []);
    for (const [name, fn] of Object.entries(props.functions)) {
      this.addAlarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        `${name} was throttled: raise its concurrency or find the burst`,
      );
      if (businessErrors.has(fn)) {
        this.addAlarm(
          `${name}ErrorRate`,
          new cloudwatch.MathExpression({
            expression: '100 * errors / invocations',
            usingMetrics: {
              errors: fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
              invocations: fn.metricInvocations({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
            },
            label: `${name} error rate (%)`,
            period: FIVE_MINUTES,
          }),
          `More than ${thresholds.businessErrorRatePercent} % of ${name}'s invocations failed for 15 minutes: more than declines and stock-outs`,
          { threshold: thresholds.businessErrorRatePercent, evaluationPeriods: 3 },
        );
      } else {
        this.addAlarm(
          `${name}Errors`,
          fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
          `${name} failed: its errors are never part of the business, look at its logs`,
        );
      }
    }
  }

  /** An alarm when `metric` reaches the threshold (default 1) in one period, notifying the topic. */
  public addAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    description: string,
    options: AddAlarmOptions = {},
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold ?? 1,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}
