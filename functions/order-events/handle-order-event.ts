import type { EventBridgeEvent } from 'aws-lambda';

/** Order-event handler (restaurant/courier events → task token). Placeholder signature. */
export const handler = async (_event: EventBridgeEvent<string, unknown>): Promise<void> => {
  throw new Error('not implemented yet');
};
