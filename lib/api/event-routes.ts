import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EVENT_SOURCES } from '../event-names';
import type { DishpatchApi } from './dishpatch-api';

/** Props of {@link EventRoutes}. */
export interface EventRoutesProps {
  readonly api: DishpatchApi;
  readonly eventBus: IEventBus;
}

/**
 * VTL that makes a value safe inside the event's `Detail`, a JSON document that is itself a JSON string:
 * escaped once for the inner document and once for the outer string. `escapeJavaScript` also escapes `'`,
 * which JSON does not allow, hence the `replaceAll` after each pass (the fix AWS documents).
 */
export function vtlDetailValue(expression: string): string {
  const once = (inner: string) => `$util.escapeJavaScript(${inner}).replaceAll("\\\\'", "'")`;
  return once(once(expression));
}

/** One detail field: `name` is the JSON key, `value` a VTL reference that may be empty. */
interface DetailField {
  readonly name: string;
  readonly value: string;
  /** Render without quotes (numbers). */
  readonly raw?: boolean;
  /** Omit the field when the value is empty. */
  readonly optional?: boolean;
}

/**
 * The PutEvents request template: one entry on `busName`, detail-type from the validated body's `type`,
 * `Detail` = `{"version":1, ...fields}` with every string value escaped by {@link vtlDetailValue}.
 */
export function putEventsRequestTemplate(busName: string, source: string, fields: readonly DetailField[]): string {
  const sets = fields.map((field, index) => `#set($f${index} = ${field.value})`);
  const detail = fields
    .map((field, index) => {
      const rendered = field.raw
        ? `,\\"${field.name}\\":$f${index}`
        : `#set($v${index} = ${vtlDetailValue(`$f${index}`)}),\\"${field.name}\\":\\"$v${index}\\"`;
      return field.optional ? `#if("$!f${index}" != "")${rendered}#end` : rendered;
    })
    .join('');
  return [
    ...sets,
    `{"Entries":[{"EventBusName":"${busName}","Source":"${source}","DetailType":"$input.path('$.type')",` +
      `"Detail":"{\\"version\\":1${detail}}"}]}`,
  ].join('\n');
}

/**
 * The PutEvents response template: 202 `{eventId}`, or 500 in the app's error shape when EventBridge accepted
 * the call but failed the entry (`FailedEntryCount > 0`), through `$context.responseOverride.status`.
 */
export const PUT_EVENTS_RESPONSE_TEMPLATE = [
  "#if($input.path('$.FailedEntryCount') > 0)",
  '#set($context.responseOverride.status = 500)',
  '{"error":{"code":"EVENT_NOT_PUBLISHED","message":"The event bus did not accept the event","details":[]}}',
  '#else',
  `{"eventId":"$input.path('$.Entries[0].EventId')"}`,
  '#end',
].join('\n');

/**
 * `POST /restaurants/{restaurantId}/orders/{orderId}/events` and `POST /deliveries/{orderId}/events`: API
 * Gateway puts the event on the bus itself (AWS service integration, no Lambda). The actor comes from the
 * authorizer context, never from the body; the authorizer's policy already limits staff to their restaurant.
 */
export class EventRoutes extends Construct {
  /** The role API Gateway assumes; it may only `events:PutEvents` on the one bus. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EventRoutesProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'PutEventsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets the /events routes put events on the dishpatch bus, nothing else',
    });
    props.eventBus.grantPutEventsTo(this.role);

    const integration = (template: string) =>
      new apigw.AwsIntegration({
        service: 'events',
        action: 'PutEvents',
        integrationHttpMethod: 'POST',
        options: {
          credentialsRole: this.role,
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestParameters: {
            'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'",
            'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
          },
          requestTemplates: { 'application/json': template },
          integrationResponses: [
            { statusCode: '202', responseTemplates: { 'application/json': PUT_EVENTS_RESPONSE_TEMPLATE } },
            {
              // EventBridge refused the call itself (throttling, permissions): a server-side failure.
              statusCode: '500',
              selectionPattern: '[45]\\d{2}',
              responseTemplates: {
                'application/json':
                  '{"error":{"code":"EVENT_NOT_PUBLISHED","message":"The event bus is unavailable","details":[]}}',
              },
            },
          ],
        },
      });
    const methodResponses = [{ statusCode: '202' }, { statusCode: '500' }];
    const busName = props.eventBus.eventBusName;
    const pathParam = (name: string) => `$input.params('${name}')`;

    props.api.addRoute(
      'POST',
      '/restaurants/{restaurantId}/orders/{orderId}/events',
      integration(
        putEventsRequestTemplate(busName, EVENT_SOURCES.restaurant, [
          { name: 'orderId', value: pathParam('orderId') },
          { name: 'restaurantId', value: pathParam('restaurantId') },
          { name: 'staffId', value: '$context.authorizer.userId' },
          { name: 'reason', value: "$input.path('$.reason')", optional: true },
          { name: 'etaMinutes', value: "$input.path('$.etaMinutes')", raw: true, optional: true },
        ]),
      ),
      { body: 'RestaurantEventRequest', methodResponses },
    );
    props.api.addRoute(
      'POST',
      '/deliveries/{orderId}/events',
      integration(
        putEventsRequestTemplate(busName, EVENT_SOURCES.courier, [
          { name: 'orderId', value: pathParam('orderId') },
          { name: 'courierId', value: '$context.authorizer.userId' },
        ]),
      ),
      { body: 'CourierEventRequest', methodResponses },
    );
  }
}
