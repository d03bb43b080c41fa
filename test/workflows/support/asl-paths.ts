import type { AslDefinition } from './synth-workflows';

/** One state of a definition. */
export type AslState = Record<string, unknown> & { readonly Type: string; readonly Next?: string };

/** The state called `name`; fails when there is none. */
export function stateOf(definition: AslDefinition, name: string): AslState {
  const state = definition.States[name];
  if (state === undefined) {
    throw new Error(`No state named ${name}`);
  }
  return state as AslState;
}

/** The states entered when every task succeeds: `StartAt`, then each `Next`, up to the terminal state. */
export function happyPath(definition: AslDefinition): string[] {
  const path: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name !== undefined) {
    if (path.includes(name)) {
      throw new Error(`The happy path loops at ${name}`);
    }
    path.push(name);
    name = stateOf(definition, name).Next;
  }
  return path;
}

/** Names of the states `Catch` routes `error` to from `state`. */
export function catchTarget(state: AslState, error: string): string | undefined {
  const catchers = (state.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
  return catchers.find((catcher) => catcher.ErrorEquals.includes(error))?.Next;
}

/** The `Catch` entry of `state` that handles `error`. */
export function catcherOf(state: AslState, error: string): Record<string, unknown> | undefined {
  const catchers = (state.Catch ?? []) as ({ ErrorEquals: string[] } & Record<string, unknown>)[];
  return catchers.find((catcher) => catcher.ErrorEquals.includes(error));
}
