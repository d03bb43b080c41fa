import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AddressAdded, AddressRemoved, AddressUpdated } from '#events/index';
import { DishpatchApi } from '../../lib/api/dishpatch-api';
import { STAGES } from '../../lib/config/stages';
import { ProfileService } from '../../lib/profile/profile-service';
import { ProfileConfirmation } from '../../lib/profile/profile-store';
import { emptyParams, renderTemplate } from '../../local/apigateway/vtl';

// Prepare: the profile service alone, on an API like the app's, synthesized once with bundling off.
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'ProfileTest', { env: { account: '000000000000', region: 'us-east-1' } });
const api = new DishpatchApi(stack, 'Api', {
  config: STAGES.dev,
  authorizerFunction: lambda.Function.fromFunctionArn(
    stack,
    'Authorizer',
    'arn:aws:lambda:us-east-1:000000000000:function:Authorizer',
  ),
});
const profileTable = new dynamodb.Table(stack, 'ProfileTable', {
  partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
  sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
});
const restaurantsTable = new dynamodb.Table(stack, 'RestaurantsTable', {
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
});
const userPool = new cognito.UserPool(stack, 'UserPool');
const eventBus = new events.EventBus(stack, 'Bus', { eventBusName: 'dishpatch-dev' });
new ProfileService(stack, 'Profile', { config: STAGES.dev, api, profileTable, restaurantsTable, eventBus, userPool });
new ProfileConfirmation(stack, 'Confirmation', { config: STAGES.dev, userPool, profileTable });
const template = Template.fromStack(stack);

/** A CloudFormation property bag: many shapes, asserted field by field below. */
// biome-ignore lint/suspicious/noExplicitAny: template properties of every resource type
type Properties = Record<string, any>;
type Resource = { Type: string; Properties: Properties; Metadata?: Record<string, unknown> };
const resources = template.toJSON().Resources as Record<string, Resource>;
/** The logical id of the one `type` resource whose construct path starts with `path` (`Profile/FavoritesQueue`). */
const logicalId = (path: string, type: string): string => {
  const prefix = path.replaceAll('/', '');
  const found = Object.entries(resources).filter(
    ([id, r]) => r.Type === type && id.startsWith(prefix) && /^[0-9A-F]{8}$/.test(id.slice(prefix.length)),
  );
  if (found.length !== 1) throw new Error(`${found.length} ${type} under ${path}`);
  return found[0]?.[0] ?? '';
};

/** The methods of the API by `VERB /path`, built from each resource's PathPart and parent. */
const methods = (() => {
  const pathOf = (reference: { Ref?: string } | undefined): string => {
    const resource = reference?.Ref === undefined ? undefined : resources[reference.Ref];
    return resource === undefined ? '' : `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  const byRoute = new Map<string, Properties>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::ApiGateway::Method' || resource.Properties.HttpMethod === 'OPTIONS') continue;
    byRoute.set(`${resource.Properties.HttpMethod} ${pathOf(resource.Properties.ResourceId)}`, resource.Properties);
  }
  return byRoute;
})();
const method = (route: string): Properties => {
  const found = methods.get(route);
  if (!found) throw new Error(`no method ${route}`);
  return found;
};

/** A template as deployed: the bus name stands in for the bus's `Ref` in CloudFormation's `Fn::Join`. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const busId = logicalId('Bus', 'AWS::Events::EventBus');
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if ((part as { Ref?: string }).Ref === busId) return 'dishpatch-dev';
      throw new Error(`unexpected token in a template: ${JSON.stringify(part)}`);
    })
    .join(separator);
}

/** Renders a route's request template as API Gateway would for this request. */
function renderRequest(
  route: string,
  request: { body?: unknown; path?: Record<string, string>; userId?: string },
): string {
  const text = joined(method(route).Integration.RequestTemplates['application/json']);
  return renderTemplate(text, {
    input: {
      body: request.body === undefined ? '' : JSON.stringify(request.body),
      params: { ...emptyParams(), path: request.path ?? {} },
    },
    context: {
      authorizer: { userId: request.userId ?? 'user-"1"' },
      requestId: 'req-1',
      requestTimeEpoch: 1795348800123,
    },
    stageVariables: {},
  });
}

/** Allowed action × resource of the policy attached to `roleId`. */
function permissions(roleId: string): { action: string; resource: unknown }[] {
  return Object.values(resources)
    .filter(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .flatMap((statement: { Action: string | string[]; Resource: unknown }) =>
      [statement.Action].flat().map((action) => ({ action, resource: statement.Resource })),
    );
}

const COMMANDS = [
  'POST /profile/addresses',
  'PUT /profile/addresses/{addressId}',
  'DELETE /profile/addresses/{addressId}',
  'PUT /profile/favorites/{restaurantId}',
  'DELETE /profile/favorites/{restaurantId}',
];
const address = { line1: `1 "Main" St's \\ corner`, city: 'Zürich', postalCode: '8001', country: 'CH' };

describe('ProfileService: address commands (API Gateway → EventBridge)', () => {
  it('lets the address routes do nothing but put events on the one bus', () => {
    const roleId = logicalId('Profile/AddressCommandsRole', 'AWS::IAM::Role');
    expect(permissions(roleId)).toEqual([
      { action: 'events:PutEvents', resource: { 'Fn::GetAtt': [logicalId('Bus', 'AWS::Events::EventBus'), 'Arn'] } },
    ]);
    for (const route of COMMANDS.filter((r) => r.includes('addresses'))) {
      expect(method(route).Integration).toMatchObject({
        Type: 'AWS',
        Uri: { 'Fn::Join': ['', expect.arrayContaining([':apigateway:us-east-1:events:action/PutEvents'])] },
        Credentials: { 'Fn::GetAtt': [roleId, 'Arn'] },
        PassthroughBehavior: 'NEVER',
      });
    }
  });

  it('puts AddressAdded with the userId of the token, a gateway-assigned addressId and the exact address', () => {
    const rendered = JSON.parse(renderRequest('POST /profile/addresses', { body: address }));

    const [entry] = rendered.Entries;
    expect(entry).toMatchObject({
      EventBusName: 'dishpatch-dev',
      Source: 'dishpatch.profile',
      DetailType: 'AddressAdded',
    });
    const detail = JSON.parse(entry.Detail);
    expect(detail).toEqual({
      version: 1,
      userId: 'user-"1"',
      addressId: 'req-1',
      commandId: 'req-1',
      requestedAt: 1795348800123,
      address,
    });
    expect(AddressAdded.schema.safeParse(detail).success).toBe(true);
  });

  it('takes the addressId of an update or removal from the path and the user from the token', () => {
    const updated = JSON.parse(
      renderRequest('PUT /profile/addresses/{addressId}', { body: address, path: { addressId: `a-'1"` } }),
    ).Entries[0];
    expect(updated.DetailType).toBe('AddressUpdated');
    expect(AddressUpdated.schema.parse(JSON.parse(updated.Detail))).toMatchObject({
      userId: 'user-"1"',
      addressId: `a-'1"`,
      address,
    });

    const removed = JSON.parse(renderRequest('DELETE /profile/addresses/{addressId}', { path: { addressId: 'a-2' } }))
      .Entries[0];
    expect(removed.DetailType).toBe('AddressRemoved');
    expect(AddressRemoved.schema.parse(JSON.parse(removed.Detail))).toEqual({
      version: 1,
      userId: 'user-"1"',
      addressId: 'a-2',
      commandId: 'req-1',
      requestedAt: 1795348800123,
    });
  });

  it('validates the address body against a closed model on POST and PUT', () => {
    const validatorOf = (id: string) => resources[id]?.Properties;
    for (const route of ['POST /profile/addresses', 'PUT /profile/addresses/{addressId}']) {
      const m = method(route);
      expect(m.RequestModels).toEqual({ 'application/json': { Ref: expect.any(String) } });
      expect(validatorOf(m.RequestValidatorId.Ref)).toMatchObject({ ValidateRequestBody: true });
    }
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'AddressCommandRequest',
      Schema: Match.objectLike({ additionalProperties: false, required: ['line1', 'city', 'postalCode'] }),
    });
  });

  it('routes the three address events to the writer, with a dead-letter queue and a retry policy', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['dishpatch.profile'],
        'detail-type': ['AddressAdded', 'AddressUpdated', 'AddressRemoved'],
      },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
        }),
      ],
    });
  });
});

describe('ProfileService: favorite commands (API Gateway → SQS)', () => {
  const queueId = logicalId('Profile/FavoritesQueue', 'AWS::SQS::Queue');

  it('lets the favorite routes do nothing but send to the one queue', () => {
    const roleId = logicalId('Profile/FavoriteCommandsRole', 'AWS::IAM::Role');
    expect(permissions(roleId)).toEqual([{ action: 'sqs:SendMessage', resource: { 'Fn::GetAtt': [queueId, 'Arn'] } }]);
    for (const route of COMMANDS.filter((r) => r.includes('favorites'))) {
      expect(method(route).Integration).toMatchObject({
        Type: 'AWS',
        Credentials: { 'Fn::GetAtt': [roleId, 'Arn'] },
        Uri: {
          'Fn::Join': [
            '',
            expect.arrayContaining([':apigateway:us-east-1:sqs:path/', { 'Fn::GetAtt': [queueId, 'QueueName'] }]),
          ],
        },
      });
    }
  });

  it('sends the command, the user of the token and the request time as message attributes', () => {
    const rendered = renderRequest('PUT /profile/favorites/{restaurantId}', {
      path: { restaurantId: 'r "1"' },
      userId: 'user 1&x=y',
    });

    const form = new URLSearchParams(rendered);
    expect(form.get('Action')).toBe('SendMessage');
    expect(JSON.parse(form.get('MessageBody') ?? '')).toEqual({ restaurantId: 'r "1"' });
    const attributes = Object.fromEntries(
      [1, 2, 3, 4].map((i) => [
        form.get(`MessageAttribute.${i}.Name`),
        [form.get(`MessageAttribute.${i}.Value.DataType`), form.get(`MessageAttribute.${i}.Value.StringValue`)],
      ]),
    );
    expect(attributes).toEqual({
      command: ['String', 'AddFavorite'],
      userId: ['String', 'user 1&x=y'],
      commandId: ['String', 'req-1'],
      requestedAt: ['Number', '1795348800123'],
    });
    const removal = new URLSearchParams(
      renderRequest('DELETE /profile/favorites/{restaurantId}', { path: { restaurantId: 'r1' } }),
    );
    expect(removal.get('MessageAttribute.1.Value.StringValue')).toBe('RemoveFavorite');
  });

  it('validates the path parameters of every command without a body', () => {
    for (const route of [...COMMANDS.filter((r) => r.includes('favorites')), 'DELETE /profile/addresses/{addressId}']) {
      const m = method(route);
      const name = /\{(\w+)\}/.exec(route)?.[1];
      expect(m.RequestParameters).toEqual({ [`method.request.path.${name}`]: true });
      expect(resources[m.RequestValidatorId.Ref]?.Properties).toMatchObject({ ValidateRequestParameters: true });
    }
  });

  it('consumes the queue in batches with partial batch failures, then dead-letters after three receives', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resources[queueId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [logicalId('Profile/FavoritesDeadLetterQueue', 'AWS::SQS::Queue'), 'Arn'],
        },
        maxReceiveCount: 3,
      },
    });
  });
});

describe('ProfileService: reads, users and the sign-up trigger', () => {
  it('serves the reads and GET /users through Lambda behind the authorizer', () => {
    for (const route of ['GET /profile', 'GET /profile/addresses', 'GET /profile/favorites', 'GET /users']) {
      expect(method(route)).toMatchObject({ AuthorizationType: 'CUSTOM', Integration: { Type: 'AWS_PROXY' } });
    }
  });

  it('lets ListUsers list the one pool and nothing else', () => {
    const roleId = logicalId('Profile/ListUsersRole', 'AWS::IAM::Role');
    expect(permissions(roleId).filter((p) => p.action.startsWith('cognito-idp:'))).toEqual([
      {
        action: 'cognito-idp:ListUsers',
        resource: { 'Fn::GetAtt': [logicalId('UserPool', 'AWS::Cognito::UserPool'), 'Arn'] },
      },
    ]);
  });

  it('creates the profile record from a post-confirmation trigger on the pool', () => {
    const fnId = logicalId('Confirmation/PostConfirmation', 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PostConfirmation: { 'Fn::GetAtt': [fnId, 'Arn'] } },
    });
    expect(resources[fnId]?.Properties.Environment.Variables.PROFILE_TABLE_NAME).toEqual({
      Ref: logicalId('ProfileTable', 'AWS::DynamoDB::Table'),
    });
  });
});
