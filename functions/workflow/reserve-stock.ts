/** Workflow step reserve-stock. Placeholder signature; throws until implemented. */
export const handler = async (_input: Record<string, unknown>): Promise<Record<string, unknown>> => {
  throw new Error('not implemented yet');
};
