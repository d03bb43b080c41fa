import { AwsError } from '../core/errors';

type Json = Record<string, unknown>;

const invalid = (message: string): AwsError =>
  new AwsError('InvalidDefinition', `Invalid State Machine Definition: '${message}'`);

const STATE_TYPES = new Set(['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);

/** Checks one States block: StartAt, state types, and that every Next/Default target exists. */
const checkBlock = (block: Json, path: string, type: string): void => {
  const states = block.States as Record<string, Json> | undefined;
  if (!states || typeof states !== 'object') {
    // Worded as recorded on AWS (test_sfn_api: invalid_definition).
    throw invalid(`SCHEMA_VALIDATION_FAILED: These fields are required: [States] at ${path || '/'}`);
  }
  if (typeof block.StartAt !== 'string' || !(block.StartAt in states)) {
    throw invalid(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${String(block.StartAt)} at ${path}/StartAt`);
  }
  for (const [name, state] of Object.entries(states)) {
    const at = `${path}/States/${name}`;
    if (!STATE_TYPES.has(String(state.Type)))
      throw invalid(`SCHEMA_VALIDATION_FAILED: Unknown state type at ${at}/Type`);
    const targets = [
      state.Next,
      state.Default,
      ...((state.Choices as Json[] | undefined) ?? []).map((c) => c.Next),
      ...((state.Catch as Json[] | undefined) ?? []).map((c) => c.Next),
    ];
    for (const t of targets) {
      if (t !== undefined && !(String(t) in states))
        throw invalid(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${String(t)} at ${at}`);
    }
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    if (type === 'EXPRESS' && resource.endsWith('.waitForTaskToken')) {
      throw invalid(
        `SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at ${at}/Resource`,
      );
    }
    if (type === 'EXPRESS' && /\.sync(:2)?$/.test(resource)) {
      throw invalid(
        `SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration at ${at}/Resource`,
      );
    }
    const assigns = [
      state,
      ...((state.Choices as Json[] | undefined) ?? []),
      ...((state.Catch as Json[] | undefined) ?? []),
    ]
      .map((holder) => holder.Assign)
      .filter((assign): assign is Json => !!assign && typeof assign === 'object');
    for (const name of assigns.flatMap((assign) => Object.keys(assign))) {
      // Developer Guide, "Passing data between states with variables": `$states` is the one reserved variable.
      if (name.replace(/\.\$$/, '') === 'states') {
        throw invalid(`SCHEMA_VALIDATION_FAILED: The variable name 'states' is reserved at ${at}/Assign`);
      }
    }
    for (const [i, b] of ((state.Branches as Json[] | undefined) ?? []).entries())
      checkBlock(b, `${at}/Branches[${i}]`, type);
    const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (processor) checkBlock(processor, `${at}/ItemProcessor`, type);
  }
};

/** Rejects definitions AWS would reject at CreateStateMachine (a pragmatic subset of its validation). */
export const validateDefinition = (text: string, type: string): void => {
  let def: unknown;
  try {
    def = JSON.parse(text);
  } catch (e) {
    throw invalid(`INVALID_JSON_DESCRIPTION: ${(e as Error).message}`);
  }
  if (!def || typeof def !== 'object') throw invalid('SCHEMA_VALIDATION_FAILED: definition is not an object');
  checkBlock(def as Json, '', type);
};
