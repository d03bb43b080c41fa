/**
 * An execution's graph: the top-level states of an Amazon States Language definition laid out in layers (top to
 * bottom), and what happened to each state according to the execution history. Pure functions, so the page only
 * draws what the server computed and tests can check the layout without a browser.
 */

/** What happened to a state in one execution. */
export type StateOutcome = 'succeeded' | 'failed' | 'caught' | 'in-progress' | 'not-reached';

/** How one state leads to another. */
export type EdgeKind = 'next' | 'choice' | 'default' | 'catch' | 'start' | 'end';

/** A node of the laid-out graph (state, or the synthetic Start and End). */
export interface GraphNode {
  readonly id: string;
  /** ASL state type, or 'Start' / 'End'. */
  readonly type: string;
  /** Centre x, top y, size. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly layer: number;
}

/** An edge as a polyline of points. `back` is an edge that goes up (a loop). */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
  readonly back: boolean;
  readonly points: readonly (readonly [number, number])[];
}

export interface GraphLayout {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly width: number;
  readonly height: number;
}

/** The parts of an ASL definition the layout reads. */
export interface AslDefinition {
  readonly StartAt?: string;
  readonly States?: Readonly<Record<string, AslState>>;
}

interface AslState {
  readonly Type?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next?: string }[];
  readonly Catch?: readonly { readonly Next?: string; readonly ErrorEquals?: readonly string[] }[];
}

const NODE_W = 200;
const NODE_H = 40;
const GAP_X = 40;
const GAP_Y = 56;
const MARGIN = 24;
const START = '⟨start⟩';
const END = '⟨end⟩';

interface RawEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
}

/** Every transition of the definition, Start and End included, in definition order. */
const transitions = (def: AslDefinition): RawEdge[] => {
  const states = def.States ?? {};
  const edges: RawEdge[] = [];
  if (def.StartAt && states[def.StartAt]) edges.push({ from: START, to: def.StartAt, kind: 'start' });
  for (const [name, s] of Object.entries(states)) {
    const to = (target: string | undefined, kind: EdgeKind, label?: string): void => {
      if (target && states[target] && !edges.some((e) => e.from === name && e.to === target && e.kind === kind))
        edges.push({ from: name, to: target, kind, ...(label ? { label } : {}) });
    };
    to(s.Next, 'next');
    s.Choices?.forEach((c, i) => {
      to(c.Next, 'choice', `rule ${i + 1}`);
    });
    to(s.Default, 'default', 'default');
    for (const c of s.Catch ?? []) to(c.Next, 'catch', (c.ErrorEquals ?? []).join(', ') || 'catch');
    if (s.End || s.Type === 'Succeed' || s.Type === 'Fail') edges.push({ from: name, to: END, kind: 'end' });
  }
  return edges;
};

/**
 * Lays out a definition: layers by longest path from the start over the forward edges (edges that close a
 * cycle are found by depth-first search and drawn as back edges), nodes ordered in each layer by the mean
 * position of their predecessors so that edges cross less, rows centred.
 */
export const layoutDefinition = (def: AslDefinition): GraphLayout => {
  const states = def.States ?? {};
  const ids = [START, ...Object.keys(states), END];
  const raw = transitions(def);
  const out = new Map<string, RawEdge[]>(ids.map((id) => [id, []]));
  for (const e of raw) out.get(e.from)?.push(e);

  // Depth-first search from the start marks the edges that close a cycle; states not reachable are visited after.
  const back = new Set<RawEdge>();
  const colour = new Map<string, 'grey' | 'black'>();
  const visit = (id: string): void => {
    colour.set(id, 'grey');
    for (const e of out.get(id) ?? []) {
      const c = colour.get(e.to);
      if (c === 'grey') back.add(e);
      else if (c === undefined) visit(e.to);
    }
    colour.set(id, 'black');
  };
  for (const id of ids) if (!colour.has(id)) visit(id);

  // Longest-path layering on the acyclic part (Kahn order), End last of all.
  const forward = raw.filter((e) => !back.has(e));
  const indegree = new Map(ids.map((id) => [id, 0]));
  for (const e of forward) indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const e of forward.filter((f) => f.from === id)) {
      layer.set(e.to, Math.max(layer.get(e.to) ?? 0, (layer.get(id) ?? 0) + 1));
      const left = (indegree.get(e.to) ?? 1) - 1;
      indegree.set(e.to, left);
      if (left === 0) queue.push(e.to);
    }
  }
  const deepest = Math.max(0, ...ids.filter((id) => id !== END).map((id) => layer.get(id) ?? 0));
  layer.set(END, deepest + 1);

  const layers: string[][] = [];
  for (const id of ids) {
    const l = layer.get(id) ?? 0;
    layers[l] ??= [];
    layers[l].push(id);
  }
  // One downward barycentre sweep: a node sits under the mean slot of the nodes that lead to it.
  const slot = new Map<string, number>();
  layers.forEach((row, l) => {
    if (l > 0) {
      const mean = (id: string): number => {
        const preds = forward.filter((e) => e.to === id && slot.has(e.from)).map((e) => slot.get(e.from) as number);
        return preds.length ? preds.reduce((a, b) => a + b, 0) / preds.length : Number.POSITIVE_INFINITY;
      };
      row.sort((a, b) => mean(a) - mean(b));
    }
    row.forEach((id, i) => {
      slot.set(id, i - (row.length - 1) / 2);
    });
  });

  const widest = Math.max(1, ...layers.map((row) => row?.length ?? 0));
  const width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X;
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  layers.forEach((row, l) => {
    for (const id of row ?? []) {
      const marker = id === START || id === END;
      const node: GraphNode = {
        id,
        type: id === START ? 'Start' : id === END ? 'End' : (states[id]?.Type ?? 'Unknown'),
        x: width / 2 + (slot.get(id) ?? 0) * (NODE_W + GAP_X),
        y: MARGIN + l * (NODE_H + GAP_Y),
        width: marker ? 80 : NODE_W,
        height: marker ? 28 : NODE_H,
        layer: l,
      };
      nodes.push(node);
      byId.set(id, node);
    }
  });
  const height = MARGIN * 2 + layers.length * NODE_H + (layers.length - 1) * GAP_Y;

  const edges: GraphEdge[] = raw.map((e) => {
    const a = byId.get(e.from) as GraphNode;
    const b = byId.get(e.to) as GraphNode;
    const isBack = back.has(e) || b.layer <= a.layer;
    // A back edge leaves the right side, runs beside the graph and enters the target's right side.
    const points: [number, number][] = isBack
      ? [
          [a.x + a.width / 2, a.y + a.height / 2],
          [Math.max(a.x + a.width / 2, b.x + b.width / 2) + GAP_X / 2, a.y + a.height / 2],
          [Math.max(a.x + a.width / 2, b.x + b.width / 2) + GAP_X / 2, b.y + b.height / 2],
          [b.x + b.width / 2, b.y + b.height / 2],
        ]
      : [
          [a.x, a.y + a.height],
          [a.x, a.y + a.height + GAP_Y / 2],
          [b.x, a.y + a.height + GAP_Y / 2],
          [b.x, b.y],
        ];
    return { from: e.from, to: e.to, kind: e.kind, ...(e.label ? { label: e.label } : {}), back: isBack, points };
  });
  return { nodes, edges, width, height };
};

/** The history events the outcome reads (the `GetExecutionHistory` shape). */
export interface HistoryEventLike {
  readonly id: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

const FAILURE = /(Failed|TimedOut|Aborted)$/;

/**
 * What happened to each top-level state: entered and exited cleanly (succeeded), exited after an error
 * (caught by a Catch), entered and never left while the execution failed or a Fail state (failed), entered and
 * not yet left while it runs (in progress); states never entered are not reached. A state entered again (a loop
 * or a retry path) takes its latest outcome.
 */
export const stateOutcomes = (
  def: AslDefinition,
  history: readonly HistoryEventLike[],
  executionStatus: string,
): Record<string, StateOutcome> => {
  const states = def.States ?? {};
  const outcomes: Record<string, StateOutcome> = {};
  for (const name of Object.keys(states)) outcomes[name] = 'not-reached';
  const errored = new Set<string>();
  // Only top-level states: nested states (Parallel branches, Map iterations) run while their parent is open.
  let current: string | undefined;
  for (const e of history) {
    const entered = e.stateEnteredEventDetails as { name?: string } | undefined;
    const exited = e.stateExitedEventDetails as { name?: string } | undefined;
    if (e.type.endsWith('StateEntered') && entered?.name && entered.name in states && current === undefined) {
      current = entered.name;
      errored.delete(current);
      outcomes[current] = states[current]?.Type === 'Fail' ? 'failed' : 'in-progress';
    } else if (e.type.endsWith('StateExited') && exited?.name === current && current !== undefined) {
      outcomes[current] = errored.has(current) ? 'caught' : 'succeeded';
      current = undefined;
    } else if (current !== undefined && FAILURE.test(e.type) && !e.type.startsWith('Execution')) {
      errored.add(current);
    } else if (current !== undefined && e.type.endsWith('Scheduled')) {
      // A new attempt after an error is a Retry: only the last attempt decides.
      errored.delete(current);
    }
  }
  if (current !== undefined && outcomes[current] === 'in-progress' && executionStatus !== 'RUNNING')
    outcomes[current] = 'failed';
  return outcomes;
};
