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

/** `States.ALL` does not match these two: a Retrier or Catcher must name them explicitly. */
export const escapesStatesAll = (error: string | undefined): boolean =>
  error === StatesErrors.Runtime || error === StatesErrors.DataLimitExceeded;
