import { Match, Template } from 'aws-cdk-lib/assertions';
import { TABLE_ACTIONS, type TableAccess } from '../../lib/constructs/service-function';
import { synthApp } from '../workflows/support/synth-workflows';
import { allPolicyPaths, byResource, permissionsOf } from './support/policies';

const synthesized = synthApp('dev');
const template = Template.fromJSON(synthesized.stateless);
const resolved = <T>(value: unknown) => synthesized.resolver.resolve(value) as T;
const ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table';

/** What each function may do with the tables (docs/app-contract.md); anything else is a finding. */
const TABLE_GRANTS: Record<string, { tables: Record<string, TableAccess>; indexes?: string[] }> = {
  ListRestaurants: { tables: { RestaurantsTable: 'read' }, indexes: ['RestaurantsTable/index/byType'] },
  GetRestaurant: { tables: { RestaurantsTable: 'read' } },
  PutMenu: { tables: { RestaurantsTable: 'readWrite' } },
  SetRestaurantOpen: { tables: { RestaurantsTable: 'readWrite' } },
  ListRestaurantOrders: {
    tables: { OrdersTable: 'read' },
    indexes: ['OrdersTable/index/byRestaurant', 'OrdersTable/index/byRestaurantStatus'],
  },
  PlaceOrderApi: { tables: { IdempotencyTable: 'readWrite', ProfileTable: 'read' } },
  ListOrders: { tables: { OrdersTable: 'read' }, indexes: ['OrdersTable/index/byCustomer'] },
  GetOrder: { tables: { OrdersTable: 'read' } },
  GetOrderStatus: { tables: { OrdersTable: 'read' } },
  EditOrder: { tables: { OrdersTable: 'readWrite', RestaurantsTable: 'readWrite', ProfileTable: 'read' } },
  CancelOrder: { tables: { OrdersTable: 'readWrite' } },
  PriceOrder: { tables: { RestaurantsTable: 'read' } },
  ReserveStock: { tables: { RestaurantsTable: 'readWrite' } },
  ReleaseStock: { tables: { RestaurantsTable: 'readWrite', OrdersTable: 'read' } },
  AuthorizePayment: { tables: { PaymentsTable: 'readWrite' } },
  VoidPayment: { tables: { PaymentsTable: 'readWrite' } },
  CapturePayment: { tables: { PaymentsTable: 'readWrite' } },
  AwaitEvent: { tables: { OrdersTable: 'readWrite' } },
  RecordStatus: { tables: { OrdersTable: 'readWrite', RestaurantsTable: 'readWrite' } },
  OrderEventHandler: { tables: { OrdersTable: 'readWrite' } },
  Authorizer: { tables: {} },
  GetProfile: { tables: { ProfileTable: 'readWrite' } },
  GetAddresses: { tables: { ProfileTable: 'read' } },
  GetFavorites: { tables: { ProfileTable: 'read' } },
  ListUsers: { tables: {} },
  AddressWriter: { tables: { ProfileTable: 'readWrite' } },
  FavoritesConsumer: { tables: { ProfileTable: 'readWrite', RestaurantsTable: 'read' } },
};

const LIFECYCLE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:dishpatch-dev-order-lifecycle';
const BUS_ARN = 'arn:aws:events:us-east-1:000000000000:event-bus/dishpatch-dev';

/** Actions AWS offers no resource-level permission for. */
const RESOURCELESS_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

describe('StatelessStack', () => {
  describe('IAM least privilege', () => {
    const everyPermission = allPolicyPaths(synthesized).flatMap((path) =>
      permissionsOf(synthesized, path).map((permission) => ({ path, ...permission })),
    );

    it('grants no wildcard action anywhere', () => {
      expect(everyPermission.filter(({ action }) => action.includes('*'))).toEqual([]);
    });

    it('uses the * resource only for actions that have no resource-level permission', () => {
      const wildcard = everyPermission.filter(({ resource }) => resource === '*');
      expect(wildcard.length).toBeGreaterThan(0);
      expect(wildcard.filter(({ action }) => !RESOURCELESS_ACTIONS.has(action))).toEqual([]);
    });

    it('never grants a whole set of indexes or every table', () => {
      expect(everyPermission.filter(({ resource }) => /\/index\/\*|table\/\*/.test(resource))).toEqual([]);
    });

    it.each(Object.entries(TABLE_GRANTS))('gives %s exactly its table access', (fn, expected) => {
      // Prepare
      const wanted: Record<string, string[]> = {};
      for (const [table, access] of Object.entries(expected.tables)) {
        wanted[`${ARN}/${table}`] = [...TABLE_ACTIONS[access]].sort();
      }
      for (const index of expected.indexes ?? []) {
        wanted[`${ARN}/${index}`] = ['dynamodb:Query'];
      }

      // Act
      const granted = byResource(permissionsOf(synthesized, `/${fn}Role/`), 'dynamodb');

      // Assess
      expect(granted).toEqual(wanted);
    });

    it('lets only the read-only functions read, never write', () => {
      const writes = new Set(TABLE_ACTIONS.readWrite.filter((action) => !TABLE_ACTIONS.read.includes(action)));
      const granted = permissionsOf(synthesized, '/GetOrderRole/');
      expect(granted.filter(({ action }) => writes.has(action))).toEqual([]);
    });

    it.each([
      [
        'PlaceOrderApi',
        'states',
        {
          'arn:aws:states:us-east-1:000000000000:stateMachine:dishpatch-dev-place-order': ['states:StartSyncExecution'],
        },
      ],
      [
        'CancelOrder',
        'states',
        { [LIFECYCLE_ARN]: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'] },
      ],
      [
        'OrderEventHandler',
        'states',
        { [LIFECYCLE_ARN]: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'] },
      ],
      ['AwaitEvent', 'states', { [LIFECYCLE_ARN]: ['states:SendTaskFailure', 'states:SendTaskSuccess'] }],
      ['AwaitEvent', 'events', { [BUS_ARN]: ['events:PutEvents'] }],
      ['RecordStatus', 'events', { [BUS_ARN]: ['events:PutEvents'] }],
      ['GetOrder', 'states', {}],
      ['GetOrder', 'events', {}],
    ])('scopes %s %s permissions to the one resource it needs', (fn, service, expected) => {
      expect(byResource(permissionsOf(synthesized, `/${fn}Role/`), service)).toEqual(expected);
    });

    it('lets the /events integration role do nothing but put events on the one bus', () => {
      expect(permissionsOf(synthesized, '/Events/PutEventsRole/')).toEqual([
        { action: 'events:PutEvents', resource: BUS_ARN },
      ]);
    });

    it('lets each function write only to its own log group', () => {
      const logs = byResource(permissionsOf(synthesized, '/GetOrderRole/'), 'logs');
      expect(logs).toEqual({
        'arn:aws:logs:us-east-1:000000000000:log-group:GetOrderLogGroup:*': [
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ],
      });
    });

    it('attaches no AWS managed policy to function roles', () => {
      const roles = template.findResources('AWS::IAM::Role');
      const managed = Object.values(roles).flatMap((role) => role.Properties.ManagedPolicyArns ?? []);
      expect(managed).toEqual([]);
    });
  });

  describe('functions', () => {
    it('builds every function of the contract from ServiceFunction: Node 24, ARM64, X-Ray, own log group, Powertools env', () => {
      const functions = template.findResources('AWS::Lambda::Function');
      const names = Object.values(functions).map((fn) => String(fn.Metadata?.['aws:cdk:path']).split('/').at(-2));
      expect(names.sort()).toEqual(Object.keys(TABLE_GRANTS).sort());
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
          Environment: {
            Variables: expect.objectContaining({
              POWERTOOLS_METRICS_NAMESPACE: 'dishpatch',
              POWERTOOLS_SERVICE_NAME: expect.any(String),
              POWERTOOLS_LOG_LEVEL: 'DEBUG',
            }),
          },
        });
      }
    });

    it('keeps function logs for the stage retention', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThanOrEqual(Object.keys(TABLE_GRANTS).length);
      for (const group of groups) {
        expect(group.Properties.RetentionInDays).toBe(7);
      }
    });

    it('hands each function the names its handler reads with requiredEnv', () => {
      const environment = (fn: string) =>
        resolved<Record<string, string>>(
          Object.values(template.findResources('AWS::Lambda::Function')).find((resource) =>
            String(resource.Metadata?.['aws:cdk:path']).endsWith(`/${fn}/Resource`),
          )?.Properties.Environment.Variables,
        );
      expect(environment('PlaceOrderApi')).toMatchObject({
        IDEMPOTENCY_TABLE_NAME: 'IdempotencyTable',
        PLACE_ORDER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:dishpatch-dev-place-order',
      });
      expect(environment('RecordStatus')).toMatchObject({
        ORDERS_TABLE_NAME: 'OrdersTable',
        EVENT_BUS_NAME: 'dishpatch-dev',
      });
      expect(environment('AwaitEvent')).toMatchObject({
        ORDERS_TABLE_NAME: 'OrdersTable',
        EVENT_BUS_NAME: 'dishpatch-dev',
      });
      expect(environment('Authorizer')).toMatchObject({
        USER_POOL_ID: expect.stringMatching(/^us-east-1_/),
        USER_POOL_CLIENT_ID: expect.any(String),
      });
      expect(environment('EditOrder')).toMatchObject({
        ORDERS_TABLE_NAME: 'OrdersTable',
        RESTAURANTS_TABLE_NAME: 'RestaurantsTable',
        PROFILE_TABLE_NAME: 'ProfileTable',
      });
    });
  });

  describe('asynchronous delivery', () => {
    it('routes restaurant and courier events from the contracts to the order-event handler', () => {
      const rules = Object.values(template.findResources('AWS::Events::Rule')).map((rule) =>
        resolved<Record<string, unknown>>(rule.Properties),
      );
      expect(rules.map((rule) => rule.EventPattern)).toEqual([
        {
          source: ['dishpatch.restaurant'],
          'detail-type': ['OrderAccepted', 'OrderRejected', 'OrderPreparing', 'OrderReady'],
        },
        { source: ['dishpatch.courier'], 'detail-type': ['OrderPickedUp', 'OrderDelivered'] },
        { source: ['dishpatch.profile'], 'detail-type': ['AddressAdded', 'AddressUpdated', 'AddressRemoved'] },
      ]);
      for (const rule of rules) {
        expect(rule.EventBusName).toBe('dishpatch-dev');
      }
    });

    it('gives every rule target a dead-letter queue and a retry policy', () => {
      const targets = Object.values(template.findResources('AWS::Events::Rule')).flatMap(
        (rule) => rule.Properties.Targets,
      );
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) {
        expect(target).toMatchObject({
          DeadLetterConfig: { Arn: expect.anything() },
          RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
        });
      }
    });

    it('sends the order-event handler failed async invocations to a queue after two retries', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 7200,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
      // The order-event handler's and the profile address writer's.
      expect(Object.keys(template.findResources('AWS::Lambda::EventInvokeConfig'))).toHaveLength(2);
    });

    it('encrypts every queue and refuses plain-HTTP access to it', () => {
      const queues = template.findResources('AWS::SQS::Queue');
      // Four dead-letter queues and the favorites command queue (its retention is SQS's default).
      expect(Object.keys(queues)).toHaveLength(5);
      for (const queue of Object.values(queues)) {
        expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      }
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
      const sslDenies = policies.filter((policy) =>
        policy.Properties.PolicyDocument.Statement.some(
          (statement: { Effect: string; Condition?: Record<string, Record<string, string>> }) =>
            statement.Effect === 'Deny' && statement.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
      );
      expect(sslDenies).toHaveLength(5);
    });

    it('alarms on failed executions and on anything in a dead-letter queue', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
      // The other alarms (API, Lambda, queue age, timeouts) are asserted in operations.test.ts.
      const paging = alarms.filter((alarm) =>
        ['ApproximateNumberOfMessagesVisible', 'ExecutionsFailed'].includes(alarm.MetricName),
      );
      expect(paging.map((alarm) => alarm.MetricName).sort()).toEqual([
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ExecutionsFailed',
        'ExecutionsFailed',
      ]);
      for (const alarm of paging) {
        expect(alarm).toMatchObject({ Threshold: 1, AlarmActions: [expect.anything()] });
      }
    });
  });

  describe('profile service', () => {
    it('alarms as soon as a favorite or address command is dead-lettered', () => {
      const alarmedQueues = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
        .filter((alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
        .map((alarm) => resolved<{ Value: string }[]>(alarm.Properties.Dimensions)[0]?.Value);
      const queueName = (idPrefix: string): string => {
        const logicalId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith(idPrefix));
        return resolved<string>({ 'Fn::GetAtt': [logicalId, 'QueueName'] });
      };
      const profileDeadLetterQueues = [
        queueName('ProfileFavoritesDeadLetterQueue'),
        queueName('ProfileAddressCommandDeadLetterQueue'),
      ];

      for (const name of profileDeadLetterQueues) expect(name).toMatch(/DeadLetterQueue/);
      expect(alarmedQueues).toEqual(expect.arrayContaining(profileDeadLetterQueues));
    });
  });

  describe('REST API', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((method) =>
      resolved<Record<string, unknown> & { HttpMethod: string; ResourceId: string }>(method.Properties),
    );
    const apiMethods = methods.filter((method) => method.HttpMethod !== 'OPTIONS');

    it('has every route of DESIGN §2 for restaurants and orders', () => {
      // Prepare: full paths from each resource's PathPart and parent.
      const resources = template.findResources('AWS::ApiGateway::Resource');
      const pathOf = (reference: { Ref?: string }): string => {
        const resource = reference.Ref === undefined ? undefined : resources[reference.Ref];
        return resource === undefined ? '' : `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
      };

      // Act
      const routes = Object.values(template.findResources('AWS::ApiGateway::Method'))
        .filter((method) => method.Properties.HttpMethod !== 'OPTIONS')
        .map((method) => `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId)}`);

      // Assess
      expect(routes.sort()).toEqual(
        [
          'GET /restaurants',
          'GET /restaurants/{restaurantId}',
          'PUT /restaurants/{restaurantId}/menu',
          'PUT /restaurants/{restaurantId}/open',
          'GET /restaurants/{restaurantId}/orders',
          'POST /restaurants/{restaurantId}/orders/{orderId}/events',
          'POST /deliveries/{orderId}/events',
          'POST /orders',
          'GET /orders',
          'GET /orders/{orderId}',
          'GET /orders/{orderId}/status',
          'PATCH /orders/{orderId}',
          'POST /orders/{orderId}/cancel',
          'GET /profile',
          'GET /profile/addresses',
          'POST /profile/addresses',
          'PUT /profile/addresses/{addressId}',
          'DELETE /profile/addresses/{addressId}',
          'GET /profile/favorites',
          'PUT /profile/favorites/{restaurantId}',
          'DELETE /profile/favorites/{restaurantId}',
          'GET /users',
        ].sort(),
      );
    });

    it('puts the Lambda REQUEST authorizer on every method but the CORS preflights', () => {
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 300,
      });
      const authorizer = resolved<Record<string, string>>(
        Object.values(template.findResources('AWS::ApiGateway::Authorizer'))[0]?.Properties,
      );
      expect(authorizer.AuthorizerUri).toContain('function:Authorizer/invocations');
      for (const method of apiMethods) {
        expect(method).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: expect.any(String) });
      }
      for (const method of methods.filter((m) => m.HttpMethod === 'OPTIONS')) {
        expect(method.AuthorizationType).toBe('NONE');
      }
    });

    it('validates the body of every write route that takes one against its model', () => {
      // Writes without a body: cancel, address removal and the favorite commands (everything is in the path).
      const writes = apiMethods.filter(
        (method) =>
          method.HttpMethod !== 'GET' &&
          method.ResourceId !== 'cancel' &&
          method.HttpMethod !== 'DELETE' &&
          method.ResourceId !== '{restaurantId}',
      );
      expect(writes).toHaveLength(8);
      for (const method of writes) {
        expect(method).toMatchObject({
          RequestModels: { 'application/json': expect.stringMatching(/Request$/) },
          RequestValidatorId: 'body-and-parameters',
        });
      }
      template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        Name: 'body-and-parameters',
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
    });

    it('requires the Idempotency-Key header on POST /orders', () => {
      const placeOrder = apiMethods.find((method) => method.HttpMethod === 'POST' && method.ResourceId === 'orders');
      expect(placeOrder).toMatchObject({
        RequestParameters: { 'method.request.header.Idempotency-Key': true },
        RequestValidatorId: 'body-and-parameters',
      });
    });

    it('restricts order items to 1-50 lines of 1-50 units, as the handler does', () => {
      const model = Object.values(template.findResources('AWS::ApiGateway::Model')).find(
        (m) => m.Properties.Name === 'PlaceOrderRequest',
      );
      expect(model?.Properties.Schema).toMatchObject({
        required: ['restaurantId', 'items', 'paymentToken'],
        additionalProperties: false,
        properties: {
          items: { minItems: 1, maxItems: 50, items: { properties: { quantity: { minimum: 1, maximum: 50 } } } },
        },
      });
    });

    it('throttles, traces and access-logs the stage', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'dev',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
        MethodSettings: Match.arrayWith([
          Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, HttpMethod: '*', ResourcePath: '/*' }),
        ]),
      });
    });

    it('answers gateway errors in the app error shape', () => {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'BAD_REQUEST_PARAMETERS',
        StatusCode: '400',
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"VALIDATION_FAILED"') },
      });
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'UNAUTHORIZED',
        StatusCode: '401',
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"UNAUTHORIZED"') },
      });
    });

    it('puts the /events routes straight on the bus with the integration role', () => {
      const integrations = apiMethods
        .filter((method) => method.ResourceId === 'events')
        .map((method) => method.Integration as Record<string, unknown>);
      expect(integrations).toHaveLength(2);
      for (const integration of integrations) {
        expect(integration).toMatchObject({
          Uri: 'arn:aws:apigateway:us-east-1:events:action/PutEvents',
          Credentials: 'arn:aws:iam::000000000000:role/PutEventsRole',
          RequestParameters: { 'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'" },
          PassthroughBehavior: 'NEVER',
        });
      }
    });
  });
});
