import { DomainError } from './errors';

/**
 * Business errors leave a workflow step as Lambda errors, and the Lambda runtime reports only `errorType`,
 * `errorMessage` and the trace: a typed error's `details` (which menu items are short) would be lost on the way to
 * the API. A step therefore sends an error that has details with `{message, details}` as JSON in its message
 * ({@link carryDetails}), and whoever reads the failure's `errorMessage` gets both back ({@link fromStepMessage}).
 */

/** What a step failure tells its reader: the human message and the typed error's details. */
export interface StepFailure {
  message: string;
  details: unknown[];
}

/** Puts a DomainError's details into its message (as JSON), so they survive the Lambda error format. */
export function carryDetails(error: unknown): void {
  if (!(error instanceof DomainError) || error.details.length === 0) return;
  error.message = JSON.stringify({ message: error.message, details: error.details });
}

/** Reads a step error's `errorMessage`: the `{message, details}` {@link carryDetails} wrote, or a plain message. */
export function fromStepMessage(text: string): StepFailure {
  try {
    const parsed = JSON.parse(text) as Partial<StepFailure>;
    if (typeof parsed?.message === 'string' && Array.isArray(parsed.details)) {
      return { message: parsed.message, details: parsed.details };
    }
  } catch {
    // A plain message.
  }
  return { message: text, details: [] };
}
