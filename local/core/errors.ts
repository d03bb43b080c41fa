/**
 * An error the AWS API would answer: `code` is the wire error code (`ResourceNotFoundException`,
 * `ExecutionDoesNotExist`, ...), `status` the HTTP status. The edge serializes it in the protocol's own shape.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  /** Extra members of the error body (e.g. DynamoDB `CancellationReasons`), written beside `__type` and `message`. */
  fields?: Readonly<Record<string, unknown>>;
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly senderFault = true,
    /** The error code the query protocol uses when it differs (SQS: `AWS.SimpleQueueService.NonExistentQueue`). */
    readonly queryCode?: string,
  ) {
    super(message);
  }
}

export const isAwsError = (e: unknown): e is AwsError => e instanceof AwsError;
