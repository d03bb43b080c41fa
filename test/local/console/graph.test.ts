import { type AslDefinition, layoutDefinition, stateOutcomes } from '../../../local/console/graph';

const saga: AslDefinition = {
  StartAt: 'Charge',
  States: {
    Charge: { Type: 'Task', Next: 'Ship', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Refund' }] },
    Ship: { Type: 'Task', Next: 'Check' },
    Check: { Type: 'Choice', Choices: [{ Next: 'Ship' }], Default: 'Done' },
    Refund: { Type: 'Task', Next: 'Failed' },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail' },
  },
};

const entered = (id: number, name: string) => ({ id, type: 'TaskStateEntered', stateEnteredEventDetails: { name } });
const exited = (id: number, name: string) => ({ id, type: 'TaskStateExited', stateExitedEventDetails: { name } });

describe('layoutDefinition', () => {
  it('puts every state below the states that lead to it, between a Start and an End marker', () => {
    // Act
    const { nodes } = layoutDefinition(saga);

    // Assess
    const layer = Object.fromEntries(nodes.map((n) => [n.id, n.layer]));
    expect(nodes.map((n) => n.type)).toEqual(expect.arrayContaining(['Start', 'End', 'Task', 'Choice', 'Fail']));
    expect(layer.Charge).toBe(1);
    expect(layer.Ship).toBeGreaterThan(layer.Charge as number);
    expect(layer.Check).toBeGreaterThan(layer.Ship as number);
    expect(layer.Failed).toBeGreaterThan(layer.Refund as number);
    const end = nodes.find((n) => n.type === 'End');
    expect(end?.layer).toBe(Math.max(...nodes.map((n) => n.layer)));
  });

  it('draws a loop as a back edge and labels choice, default and catch edges', () => {
    // Act
    const { edges } = layoutDefinition(saga);

    // Assess
    const loop = edges.find((e) => e.from === 'Check' && e.to === 'Ship');
    expect(loop).toMatchObject({ kind: 'choice', back: true, label: 'rule 1' });
    expect(edges.find((e) => e.from === 'Check' && e.to === 'Done')).toMatchObject({ kind: 'default', back: false });
    expect(edges.find((e) => e.from === 'Charge' && e.to === 'Refund')).toMatchObject({
      kind: 'catch',
      label: 'States.ALL',
    });
    expect(edges.filter((e) => e.kind === 'end').map((e) => e.from)).toEqual(['Done', 'Failed']);
  });

  it('keeps nodes of one layer apart and inside the drawing', () => {
    // Act
    const { nodes, width, height } = layoutDefinition(saga);

    // Assess
    for (const a of nodes) {
      expect(a.x - a.width / 2).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width / 2).toBeLessThanOrEqual(width);
      expect(a.y + a.height).toBeLessThanOrEqual(height);
      for (const b of nodes)
        if (a !== b && a.layer === b.layer) expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual(a.width);
    }
  });

  it('answers an empty drawing for a definition without states', () => {
    // Act
    const layout = layoutDefinition({});

    // Assess
    expect(layout.nodes.map((n) => n.type)).toEqual(['Start', 'End']);
    expect(layout.edges).toEqual([]);
  });
});

describe('stateOutcomes', () => {
  it('marks states succeeded, in progress and not reached while the execution runs', () => {
    // Prepare
    const history = [
      { id: 1, type: 'ExecutionStarted' },
      entered(2, 'Charge'),
      exited(3, 'Charge'),
      entered(4, 'Ship'),
    ];

    // Act
    const outcomes = stateOutcomes(saga, history, 'RUNNING');

    // Assess
    expect(outcomes).toMatchObject({ Charge: 'succeeded', Ship: 'in-progress', Refund: 'not-reached' });
  });

  it('marks a state whose error was caught, and a Fail state reached, as such', () => {
    // Prepare
    const history = [
      entered(1, 'Charge'),
      { id: 2, type: 'TaskScheduled' },
      { id: 3, type: 'TaskFailed' },
      exited(4, 'Charge'),
      entered(5, 'Refund'),
      exited(6, 'Refund'),
      { id: 7, type: 'FailStateEntered', stateEnteredEventDetails: { name: 'Failed' } },
      { id: 8, type: 'ExecutionFailed' },
    ];

    // Act
    const outcomes = stateOutcomes(saga, history, 'FAILED');

    // Assess
    expect(outcomes).toMatchObject({ Charge: 'caught', Refund: 'succeeded', Failed: 'failed', Ship: 'not-reached' });
  });

  it('counts a state that succeeded on a retry as succeeded', () => {
    // Prepare
    const history = [
      entered(1, 'Charge'),
      { id: 2, type: 'TaskScheduled' },
      { id: 3, type: 'TaskFailed' },
      { id: 4, type: 'TaskScheduled' },
      { id: 5, type: 'TaskSucceeded' },
      exited(6, 'Charge'),
    ];

    // Act
    const outcomes = stateOutcomes(saga, history, 'RUNNING');

    // Assess
    expect(outcomes.Charge).toBe('succeeded');
  });

  it('marks the state an execution died in as failed', () => {
    // Prepare
    const history = [entered(1, 'Ship'), { id: 2, type: 'TaskFailed' }, { id: 3, type: 'ExecutionFailed' }];

    // Act
    const outcomes = stateOutcomes(saga, history, 'FAILED');

    // Assess
    expect(outcomes.Ship).toBe('failed');
  });
});
