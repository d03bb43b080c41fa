import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { z } from 'zod';
import type { EventContract } from '#events/contract';
import { EventPublishError } from './errors';

/** An event to publish: its contract and a detail the contract's schema accepts. */
export interface OutgoingEvent<C extends EventContract = EventContract> {
  contract: C;
  detail: z.input<C['schema']>;
}

/** Builds an {@link OutgoingEvent} with the detail typed by its contract. */
export function outgoing<C extends EventContract>(contract: C, detail: z.input<C['schema']>): OutgoingEvent<C> {
  return { contract, detail };
}

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

/**
 * The producer of DESIGN §3: validates each detail with its contract before sending (an invalid event
 * is a bug here, not the consumer's problem), and fails when EventBridge refuses any entry.
 */
export class EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    const entries = events.map(({ contract, detail }) => ({
      EventBusName: this.eventBusName,
      Source: contract.source,
      DetailType: contract.detailType,
      Detail: JSON.stringify(contract.schema.parse(detail)),
    }));
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
      const result = await this.client.send(new PutEventsCommand({ Entries: entries.slice(i, i + MAX_ENTRIES) }));
      if ((result.FailedEntryCount ?? 0) > 0) {
        const codes = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw new EventPublishError(`EventBridge refused ${result.FailedEntryCount} event(s): ${codes.join(', ')}`);
      }
    }
  }
}
