import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { type Caller, callerFromEvent } from './auth';
import { errorResponse } from './http';
import { logger, metrics, tracer } from './powertools';
import { carryDetails } from './step-errors';
import { parseInput } from './validation';

/**
 * Wraps a handler in the project's one instrumentation style: Middy with the Powertools tracer, logger
 * (Lambda context, correlation id) and metrics (flushed once per invocation, cold start counted).
 */
export function instrumented<E, R>(
  fn: (event: E, context: Context) => Promise<R>,
  options: { correlationIdPath?: string } = {},
): MiddyfiedHandler<E, R> {
  return middy<E, R>(fn)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true, ...options }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** What an API route receives: the raw event (for parsing), the verified caller and the request id. */
export interface ApiRequest {
  event: APIGatewayProxyEvent;
  caller: Caller;
  requestId: string;
  context: Context;
}

/** The API Gateway request id, which every answer carries and every log line correlates on. */
export function requestIdOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string {
  return event.requestContext?.requestId ?? 'unknown';
}

/**
 * Wraps an API route (Lambda proxy, REST v1): instrumentation, the caller from the authorizer context,
 * and the one error mapping of `http.ts` for anything the route throws.
 */
export function apiRoute(
  route: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return instrumented<APIGatewayProxyEvent, APIGatewayProxyResult>(
    async (event, context) => route({ event, caller: callerFromEvent(event), requestId: requestIdOf(event), context }),
    { correlationIdPath: 'requestContext.requestId' },
  ).use({
    onError: async (request) => {
      request.response = errorResponse(request.error, requestIdOf(request.event));
    },
  });
}

/**
 * Wraps a workflow step: instrumentation and input validation. Steps throw typed errors (their `name` is
 * what `ErrorEquals` matches) and never return HTTP shapes.
 */
export function workflowStep<S extends z.ZodType, R>(
  schema: S,
  step: (input: z.infer<S>) => Promise<R>,
): MiddyfiedHandler<unknown, R> {
  return instrumented<unknown, R>(async (event) => step(parseInput(schema, event, 'input'))).use({
    // Thrown on (no response is set): only the message changes, so the details reach the workflow's reader.
    onError: async (request) => carryDetails(request.error),
  });
}
