import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** GET /restaurants/{restaurantId}/orders (Lambda proxy, REST v1). Placeholder signature; filled in with the shared middleware. */
export const handler = async (_event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => ({
  statusCode: 501,
  body: JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'not implemented yet', details: [] } }),
});
