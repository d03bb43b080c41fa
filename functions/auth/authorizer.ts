import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

/** REQUEST authorizer. Placeholder signature: denies everything until implemented. */
export const handler = async (_event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  throw new Error('Unauthorized');
};
