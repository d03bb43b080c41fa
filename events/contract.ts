import type { z } from 'zod';

/** The event sources of dishpatch's bus (DESIGN §3). Rules and producers import these, never literals. */
export const EventSource = {
  orders: 'dishpatch.orders',
  restaurant: 'dishpatch.restaurant',
  courier: 'dishpatch.courier',
  profile: 'dishpatch.profile',
} as const;

/** One of the event sources of the bus. */
export type EventSourceName = (typeof EventSource)[keyof typeof EventSource];

/** An event contract: where it comes from, what it is called, its version and the shape of its detail. */
export interface EventContract<S extends z.ZodType = z.ZodType> {
  readonly source: EventSourceName;
  readonly detailType: string;
  readonly version: 1;
  readonly schema: S;
}

/** Builds a contract object with literal types preserved (so a rule can use `contract.detailType` as a type). */
export function defineEvent<const Src extends EventSourceName, const Dt extends string, S extends z.ZodType>(contract: {
  source: Src;
  detailType: Dt;
  version: 1;
  schema: S;
}): { readonly source: Src; readonly detailType: Dt; readonly version: 1; readonly schema: S } {
  return Object.freeze(contract);
}
