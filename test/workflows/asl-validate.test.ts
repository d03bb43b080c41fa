import aslValidator from 'asl-validator';
import { synthFunctions, synthWorkflows } from './support/synth-workflows';

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

  it('invokes only functions whose handler and environment the support helper can hand to a scenario test', () => {
    // Prepare
    const functions = synthFunctions('dev');
    const invoked = new Set(
      JSON.stringify([workflows.placeOrder, workflows.orderLifecycle]).match(/arn:aws:lambda:[^"]+/g) ?? [],
    );

    // Act
    const known = [...invoked].map((arn) => Object.values(functions).find((fn) => fn.arn === arn));

    // Assess
    expect(invoked.size).toBe(8);
    for (const fn of known) {
      expect(fn?.entry).toMatch(/^functions\/workflow\/[a-z-]+\.ts$/);
    }
    expect(functions.AwaitEvent?.environment).toMatchObject({
      ORDERS_TABLE_NAME: 'OrdersTable',
      EVENT_BUS_NAME: 'dishpatch-dev',
    });
  });
});
