import aslValidator from 'asl-validator';
import { synthWorkflows } from './support/synth-workflows';

const workflows = synthWorkflows('dev');

describe('synthesized state machine definitions', () => {
  it.each([
    ['PlaceOrder', workflows.placeOrder],
    ['OrderLifecycle', workflows.orderLifecycle],
  ])('%s resolves to plain ASL that asl-validator accepts', (_name, definition) => {
    // Prepare: the resolver must have left no CloudFormation intrinsic behind.
    const text = JSON.stringify(definition);

    // Act
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });

    // Assess
    expect(text).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('rejects a definition whose catch points at a missing state, so the check above can fail', () => {
    // Prepare
    const broken = structuredClone(workflows.orderLifecycle) as {
      States: Record<string, { Catch?: { Next: string }[] }>;
    };
    const withCatch = Object.values(broken.States).find((state) => state.Catch !== undefined);
    const [firstCatch] = withCatch?.Catch ?? [];
    if (firstCatch === undefined) throw new Error('the lifecycle has no Catch');
    firstCatch.Next = 'No Such State';

    // Act
    const result = aslValidator(broken, { checkPaths: true, checkArn: true });

    // Assess
    expect(result.isValid).toBe(false);
  });
});
