import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { StageConfig } from '../../lib/config/stages';

/**
 * Wraps a JSONata expression written over several lines for readability into one `{% ... %}` line, the form
 * every ASL validator accepts.
 */
export function jsonata(expression: string): string {
  return `{% ${expression.replace(/\s*\n\s*/g, ' ').trim()} %}`;
}

/**
 * `{% %}` of `path`, or `null` when it holds nothing: in Step Functions a JSONata field whose expression
 * returns nothing fails the state with `States.QueryEvaluationError`, so optional values must say so.
 */
export function valueOrNull(path: string): string {
  return `{% $exists(${path}) ? ${path} : null %}`;
}

/** Options of {@link invokeStep}. */
export interface InvokeStepOptions {
  /** The Lambda payload; strings in `{% %}` are JSONata. */
  readonly payload: Record<string, unknown>;
  /** Variables to assign after the step; the function's return value is `$states.result.Payload`. */
  readonly assign?: Record<string, unknown>;
  /**
   * The state's output.
   * @default - the function's return value
   */
  readonly outputs?: unknown;
}

/** A JSONata Lambda task that invokes a workflow step synchronously and outputs what the function returned. */
export function invokeStep(
  scope: Construct,
  id: string,
  fn: IFunction,
  options: InvokeStepOptions,
): tasks.LambdaInvoke {
  return tasks.LambdaInvoke.jsonata(scope, id, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(options.payload),
    assign: options.assign,
    outputs: options.outputs ?? '{% $states.result.Payload %}',
  });
}

/**
 * Retry policy of compensations (release stock, void payment, record the outcome): they are idempotent and
 * must finish, so they retry every failure with capped exponential backoff and jitter.
 */
export const COMPENSATION_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Logging of a state machine: its own log group with the stage's retention, every event logged (cdk-nag
 * SF1), execution data left out because order inputs carry payment tokens and addresses.
 */
export function workflowLogs(scope: Construct, config: StageConfig): sfn.LogOptions {
  const destination = new logs.LogGroup(scope, 'Logs', {
    retention: config.logRetention,
    removalPolicy: config.removalPolicy,
  });
  return { destination, level: sfn.LogLevel.ALL, includeExecutionData: false };
}

/**
 * Acknowledges the two wildcards CDK puts in a state machine's role, each for a stated reason: `<function>:*`
 * (the Lambda grant covers the function's versions and aliases, and nothing else) and `*` (X-Ray and the
 * CloudWatch Logs delivery actions support no resource-level permissions).
 */
export function acknowledgeWorkflowRole(stateMachine: sfn.StateMachine, functions: readonly IFunction[]): void {
  const stack = Stack.of(stateMachine);
  for (const fn of functions) {
    const cfn = fn.node.defaultChild as CfnElement | undefined;
    if (cfn === undefined) {
      continue; // an imported function: its grant names the ARN it was imported with
    }
    const logicalId = stack.resolve(stack.getLogicalId(cfn)) as string;
    Validations.of(stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: `Invoking versions and aliases of ${fn.node.id} only; CDK's Lambda grant adds the :* suffix.`,
    });
  }
  Validations.of(stateMachine).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing and CloudWatch Logs delivery (logs:*LogDelivery) support no resource-level permissions.',
  });
}
