import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { render } from 'velocityjs';
import { DishpatchApi } from '../../../lib/api/dishpatch-api';
import { EventRoutes, PUT_EVENTS_RESPONSE_TEMPLATE } from '../../../lib/api/event-routes';
import { STAGES } from '../../../lib/config/stages';

/** A Java string as API Gateway's VTL sees it: `replaceAll` takes a regular expression. */
class JavaString {
  constructor(private readonly value: string) {}
  replaceAll(regex: string, replacement: string): JavaString {
    return new JavaString(this.value.replace(new RegExp(regex, 'g'), replacement));
  }
  toString(): string {
    return this.value;
  }
}

/** `$util.escapeJavaScript` as API Gateway implements it (Apache Commons StringEscapeUtils). */
function escapeJavaScript(value: unknown): JavaString {
  const named: Record<string, string> = {
    '"': '\\"',
    "'": "\\'",
    '\\': '\\\\',
    '/': '\\/',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
  };
  return new JavaString(
    String(value).replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
      /["'\\/\n\r\t]|[\u0000-\u001f]/g,
      (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  );
}

/** Renders a request template for a request with `body`, path parameters and authorizer context. */
function renderRequest(templateText: string, body: Record<string, unknown>, path: Record<string, string>): unknown {
  const input = {
    path: (expression: string) => (expression === '$' ? body : body[expression.replace(/^\$\./, '')]),
    params: (name: string) => path[name] ?? '',
    json: (expression: string) => JSON.stringify(expression === '$' ? body : body[expression.replace(/^\$\./, '')]),
  };
  const context = { authorizer: { userId: 'user-"1"' }, requestId: 'r-1' };
  return JSON.parse(render(templateText, { input, util: { escapeJavaScript }, context }));
}

// Prepare: the API and the two event routes alone, on a bus named like the stage's.
const app = new App();
const stack = new Stack(app, 'EventRoutesTest');
const api = new DishpatchApi(stack, 'Api', {
  config: STAGES.dev,
  authorizerFunction: lambda.Function.fromFunctionArn(
    stack,
    'Authorizer',
    'arn:aws:lambda:us-east-1:000000000000:function:Authorizer',
  ),
});
const eventBus = events.EventBus.fromEventBusName(stack, 'Bus', 'dishpatch-dev');
new EventRoutes(stack, 'Events', { api, eventBus });
const template = Template.fromStack(stack);
const requestTemplate = (source: string): string => {
  const method = Object.values(template.findResources('AWS::ApiGateway::Method')).find((m) =>
    String(m.Properties.Integration?.RequestTemplates?.['application/json'] ?? '').includes(source),
  );
  const text = method?.Properties.Integration.RequestTemplates['application/json'];
  if (typeof text !== 'string') throw new Error(`no request template for ${source}`);
  return text;
};

interface PutEventsRequest {
  Entries: { EventBusName: string; Source: string; DetailType: string; Detail: string }[];
}

describe('the /events routes', () => {
  it('puts a restaurant event whose detail carries the path ids and the staff id from the token', () => {
    // Act
    const request = renderRequest(
      requestTemplate('dishpatch.restaurant'),
      { type: 'OrderRejected', reason: `We're out of "basil" \\ sorry\nreally`, etaMinutes: 15 },
      { restaurantId: 'r-1', orderId: 'o-1' },
    ) as PutEventsRequest;

    // Assess
    const [entry] = request.Entries;
    expect(entry).toMatchObject({
      EventBusName: 'dishpatch-dev',
      Source: 'dishpatch.restaurant',
      DetailType: 'OrderRejected',
    });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual({
      version: 1,
      orderId: 'o-1',
      restaurantId: 'r-1',
      staffId: 'user-"1"',
      reason: `We're out of "basil" \\ sorry\nreally`,
      etaMinutes: 15,
    });
  });

  it('leaves optional fields out when the body has none', () => {
    const request = renderRequest(
      requestTemplate('dishpatch.restaurant'),
      { type: 'OrderAccepted' },
      {
        restaurantId: 'r-1',
        orderId: 'o-1',
      },
    ) as PutEventsRequest;

    expect(JSON.parse(request.Entries[0]?.Detail ?? '')).toEqual({
      version: 1,
      orderId: 'o-1',
      restaurantId: 'r-1',
      staffId: 'user-"1"',
    });
  });

  it('puts a courier event with the courier id from the token, never from the body', () => {
    const request = renderRequest(
      requestTemplate('dishpatch.courier'),
      { type: 'OrderPickedUp', courierId: 'someone-else' },
      { orderId: "o-'2'" },
    ) as PutEventsRequest;

    expect(request.Entries[0]).toMatchObject({ Source: 'dishpatch.courier', DetailType: 'OrderPickedUp' });
    expect(JSON.parse(request.Entries[0]?.Detail ?? '')).toEqual({
      version: 1,
      orderId: "o-'2'",
      courierId: 'user-"1"',
    });
  });

  it('answers 202 with the event id, or 500 in the error shape when the entry failed', () => {
    // Prepare
    const respond = (response: Record<string, unknown>) => {
      const context = { responseOverride: { status: undefined as number | undefined } };
      const input = { path: (expression: string) => jsonPath(response, expression) };
      const body = JSON.parse(render(PUT_EVENTS_RESPONSE_TEMPLATE, { input, context }));
      return { status: context.responseOverride.status, body };
    };
    const jsonPath = (value: Record<string, unknown>, expression: string): unknown =>
      expression === '$.FailedEntryCount'
        ? value.FailedEntryCount
        : (value.Entries as { EventId?: string }[] | undefined)?.[0]?.EventId;

    // Act
    const accepted = respond({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const failed = respond({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    // Assess
    expect(accepted).toEqual({ status: undefined, body: { eventId: 'e-1' } });
    expect(failed).toEqual({ status: 500, body: { error: expect.objectContaining({ code: 'EVENT_NOT_PUBLISHED' }) } });
  });

  it('validates the body against the event model before putting anything on the bus', () => {
    const models = Object.values(template.findResources('AWS::ApiGateway::Model')).map((m) => m.Properties);
    expect(models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Name: 'RestaurantEventRequest',
          Schema: expect.objectContaining({
            required: ['type'],
            properties: expect.objectContaining({
              type: { type: 'string', enum: ['OrderAccepted', 'OrderRejected', 'OrderPreparing', 'OrderReady'] },
            }),
          }),
        }),
        expect.objectContaining({
          Name: 'CourierEventRequest',
          Schema: expect.objectContaining({
            properties: { type: { type: 'string', enum: ['OrderPickedUp', 'OrderDelivered'] } },
          }),
        }),
      ]),
    );
  });
});
