import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ServiceFunction } from '../constructs/service-function';

/** The resources of a stack that the dashboard shows and the alarms watch, each under a stable display name. */
export interface OperatedResources {
  /** Every {@link ServiceFunction}, by its construct id (the function's name in docs/app-contract.md). */
  readonly functions: Readonly<Record<string, ServiceFunction>>;
  /** Queues that carry work (not dead-letter queues), by construct path. */
  readonly workQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Every {@link DeadLetterQueue}, by construct path. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Every EventBridge rule, by construct path. */
  readonly rules: Readonly<Record<string, events.Rule>>;
}

/** `Orders/PlaceOrderApi` → `OrdersPlaceOrderApi`: the construct path below the stack, as one PascalCase name. */
function nameBelowStack(construct: IConstruct): string {
  const stackPath = Stack.of(construct).node.path;
  return construct.node.path
    .slice(stackPath.length + 1)
    .split('/')
    .join('');
}

/**
 * Finds what must be operated in `scope`'s stack by walking the construct tree, so a service added later (its
 * functions, queues, DLQs, rules) is on the dashboard and alarmed without anyone remembering to list it. Call it
 * after every service construct has been added.
 */
export function discoverOperatedResources(scope: IConstruct): OperatedResources {
  const functions: Record<string, ServiceFunction> = {};
  const workQueues: Record<string, sqs.IQueue> = {};
  const deadLetterQueues: Record<string, sqs.IQueue> = {};
  const rules: Record<string, events.Rule> = {};
  for (const construct of Stack.of(scope).node.findAll()) {
    if (construct instanceof ServiceFunction) {
      if (functions[construct.node.id] !== undefined) {
        throw new Error(`Two functions are named ${construct.node.id}: function names must be unique per stack`);
      }
      functions[construct.node.id] = construct;
    } else if (construct instanceof DeadLetterQueue) {
      deadLetterQueues[nameBelowStack(construct)] = construct;
    } else if (construct instanceof sqs.Queue) {
      workQueues[nameBelowStack(construct)] = construct;
    } else if (construct instanceof events.Rule) {
      rules[nameBelowStack(construct)] = construct;
    }
  }
  return { functions, workQueues, deadLetterQueues, rules };
}
