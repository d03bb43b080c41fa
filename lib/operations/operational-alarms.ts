import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

/** Props of {@link OperationalAlarms}. */
export interface OperationalAlarmsProps {
  readonly config: StageConfig;
  /** State machines whose failed executions page someone (a FAILED lifecycle is a technical failure). */
  readonly failingStateMachines: Readonly<Record<string, IStateMachine>>;
  /** Dead-letter queues that must stay empty, by name. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
}

/**
 * The alarms that need a human, on one SNS topic that e-mails the stage's on-call address. The dashboard
 * (issue 8) reads the same metrics; more alarms join through {@link OperationalAlarms.addAlarm}.
 */
export class OperationalAlarms extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
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
    for (const [name, stateMachine] of Object.entries(props.failingStateMachines)) {
      this.addAlarm(
        `${name}Failed`,
        stateMachine.metricFailed({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
        `An execution of ${name} failed: a technical failure or a stalled delivery needs a human`,
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.addAlarm(
        `${name}NotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        `Messages are waiting in the dead-letter queue ${name}`,
      );
    }
  }

  /** An alarm when `metric` reaches 1 in one period, notifying the topic. */
  public addAlarm(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}
