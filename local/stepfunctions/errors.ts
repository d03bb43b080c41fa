/**
 * A failure inside an execution, in the States Language sense: `error` is the name a Retrier or Catcher
 * matches (`States.Timeout`, a Lambda `errorType`, a Fail state's `Error`), `cause` the free text.
 */
export class StatesError extends Error {
  override readonly name = 'StatesError';
  constructor(
    readonly error: string | undefined,
    override readonly cause: string | undefined,
  ) {
    super(`${error ?? ''}: ${cause ?? ''}`);
  }
}

/** The error names the States Language reserves. */
export const StatesErrors = {
  All: 'States.ALL',
  Runtime: 'States.Runtime',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  TaskFailed: 'States.TaskFailed',
  DataLimitExceeded: 'States.DataLimitExceeded',
  QueryEvaluationError: 'States.QueryEvaluationError',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  ItemReaderFailed: 'States.ItemReaderFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  BranchFailed: 'States.BranchFailed',
} as const;

/**
 * No Retrier or Catcher matches States.Runtime, not even one naming it (Developer Guide, "Error names": it "will
 * always cause the execution to fail"; recorded on AWS: test_catch_states_runtime). States.DataLimitExceeded from
 * a task result is caught by States.ALL (recorded: test_task_lambda_catch_state_all_data_limit_exceeded...).
 */
export const neverCaught = (error: string | undefined): boolean => error === StatesErrors.Runtime;
