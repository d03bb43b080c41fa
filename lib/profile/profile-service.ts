import { Aws, Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EventSource, profileEvents } from '../../events/index';
import type { DishpatchApi } from '../api/dishpatch-api';
import { vtlDetailValue } from '../api/event-routes';
import type { StageConfig } from '../config/stages';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ServiceFunction } from '../constructs/service-function';
import { ADDRESS_COMMAND_SCHEMA } from './profile-requests';

/** Props of {@link ProfileService}. */
export interface ProfileServiceProps {
  readonly config: StageConfig;
  readonly api: DishpatchApi;
  /** The profile table from the stateful stack. */
  readonly profileTable: ITable;
  /** The restaurants table: a favorite must name a restaurant that exists. */
  readonly restaurantsTable: ITable;
  /** The bus the address commands go through. */
  readonly eventBus: events.IEventBus;
  /** The pool `GET /users` lists. */
  readonly userPool: IUserPool;
  /**
   * Functions that resolve a caller's saved address by id (`POST /orders` with `addressId`); they get read
   * access to the profile table and its name in `PROFILE_TABLE_NAME`.
   * @default - none
   */
  readonly savedAddressReaders?: readonly ServiceFunction[];
}

/** One favorite command: the SQS message attribute `command` and its HTTP method. */
const FAVORITE_COMMANDS = [
  { method: 'PUT', command: 'AddFavorite' },
  { method: 'DELETE', command: 'RemoveFavorite' },
] as const;

/** One address command route. */
interface AddressCommandRoute {
  readonly method: string;
  readonly path: string;
  readonly detailType: (typeof profileEvents)[number]['detailType'];
  /** The body is the address (validated by the model). */
  readonly withBody: boolean;
  /** The gateway assigns the address id (the request id). */
  readonly newId: boolean;
}

/** The address commands: HTTP method, path, event and whether the gateway assigns the address id. */
const ADDRESS_COMMANDS = [
  { method: 'POST', path: '/profile/addresses', detailType: 'AddressAdded', withBody: true, newId: true },
  { method: 'PUT', path: '/profile/addresses/{addressId}', detailType: 'AddressUpdated', withBody: true, newId: false },
  {
    method: 'DELETE',
    path: '/profile/addresses/{addressId}',
    detailType: 'AddressRemoved',
    withBody: false,
    newId: false,
  },
] as const satisfies readonly AddressCommandRoute[];

/**
 * The `PutEvents` request template of an address command. `userId` is the authorizer's, never the client's;
 * `commandId` is the API request id; `requestedAt` the gateway's request time (epoch ms), which orders the
 * commands on one address. A new address gets the request id as its id. The validated body (exactly the
 * address) is embedded as JSON, escaped once for the `Detail` string.
 */
export function addressCommandTemplate(
  busName: string,
  detailType: string,
  options: { withBody: boolean; newId: boolean },
): string {
  const addressId = options.newId ? '$context.requestId' : vtlDetailValue("$input.params('addressId')");
  const address = options.withBody
    ? `,\\"address\\":$util.escapeJavaScript($input.json('$')).replaceAll("\\\\'", "'")`
    : '';
  return [
    `#set($userId = ${vtlDetailValue('$context.authorizer.userId')})`,
    `#set($addressId = ${addressId})`,
    `{"Entries":[{"EventBusName":"${busName}","Source":"${EventSource.profile}","DetailType":"${detailType}",` +
      `"Detail":"{\\"version\\":1,\\"userId\\":\\"$userId\\",\\"addressId\\":\\"$addressId\\",` +
      `\\"commandId\\":\\"$context.requestId\\",\\"requestedAt\\":$context.requestTimeEpoch${address}}"}]}`,
  ].join('\n');
}

/**
 * 202 `{commandId}` (plus `addressId` for a new address, which is the request id), or 500 when EventBridge
 * accepted the call but failed the entry.
 */
export function addressCommandResponseTemplate(newId: boolean): string {
  return [
    "#if($input.path('$.FailedEntryCount') > 0)",
    '#set($context.responseOverride.status = 500)',
    '{"error":{"code":"COMMAND_NOT_ACCEPTED","message":"The event bus did not accept the command","details":[]}}',
    '#else',
    newId
      ? '{"commandId":"$context.requestId","addressId":"$context.requestId"}'
      : '{"commandId":"$context.requestId"}',
    '#end',
  ].join('\n');
}

/**
 * The `SendMessage` request template (form-encoded, SQS's query protocol) of a favorite command: the body is
 * `{"restaurantId": ...}` from the path; the command, the authorizer's user id, the request id and the request
 * time travel as message attributes. One line: a line break would end up inside a parameter.
 */
export function favoriteCommandTemplate(command: string): string {
  const restaurantId = `$util.escapeJavaScript($input.params('restaurantId')).replaceAll("\\\\'", "'")`;
  const attribute = (index: number, name: string, type: 'String' | 'Number', value: string) =>
    `&MessageAttribute.${index}.Name=${name}&MessageAttribute.${index}.Value.DataType=${type}` +
    `&MessageAttribute.${index}.Value.StringValue=${value}`;
  return (
    `Action=SendMessage&MessageBody=$util.urlEncode('{"restaurantId":"')$util.urlEncode(${restaurantId})` +
    `$util.urlEncode('"}')` +
    attribute(1, 'command', 'String', command) +
    attribute(2, 'userId', 'String', '$util.urlEncode($context.authorizer.userId)') +
    attribute(3, 'commandId', 'String', '$util.urlEncode($context.requestId)') +
    attribute(4, 'requestedAt', 'Number', '$context.requestTimeEpoch')
  );
}

/**
 * DESIGN §2 "Profile (CQRS)" and `GET /users`. Commands have no Lambda in front: address commands go from API
 * Gateway to EventBridge (`dishpatch.profile`), favorite commands to an SQS queue, each through a role that
 * may reach only that bus or that queue; request models turn a malformed command into a 400 at the gateway.
 * Writers apply them idempotently and in any order; reads go through Lambda.
 */
export class ProfileService extends Construct {
  /** Receives after this many failed deliveries a favorite command lands in the dead-letter queue. */
  public static readonly FAVORITES_MAX_RECEIVE_COUNT = 3;

  public readonly getProfile: ServiceFunction;
  public readonly getAddresses: ServiceFunction;
  public readonly getFavorites: ServiceFunction;
  public readonly listUsers: ServiceFunction;
  public readonly addressWriter: ServiceFunction;
  public readonly favoritesConsumer: ServiceFunction;
  /** Favorite commands from the gateway, consumed in batches with partial failures. */
  public readonly favoritesQueue: sqs.Queue;
  /** Favorite commands that failed {@link ProfileService.FAVORITES_MAX_RECEIVE_COUNT} times. */
  public readonly favoritesDeadLetterQueue: DeadLetterQueue;
  /** Address commands EventBridge could not deliver, or the writer failed on after its retries. */
  public readonly addressDeadLetterQueue: DeadLetterQueue;
  /** The role the address routes assume: `events:PutEvents` on the one bus. */
  public readonly addressCommandsRole: iam.Role;
  /** The role the favorite routes assume: send to the one queue. */
  public readonly favoriteCommandsRole: iam.Role;
  public readonly addressCommandsRule: events.Rule;

  constructor(scope: Construct, id: string, props: ProfileServiceProps) {
    super(scope, id);
    const { config, api, profileTable } = props;
    const fn = (fnId: string, file: string, description: string) =>
      new ServiceFunction(this, fnId, {
        entry: `functions/profile/${file}.ts`,
        config,
        service: 'profile',
        description,
      });
    const table = (access: 'read' | 'readWrite') =>
      ({ table: profileTable, access, env: 'PROFILE_TABLE_NAME' }) as const;

    // Reads. GetProfile writes too: it creates the record of a user who never confirmed a sign-up (seeded users).
    this.getProfile = fn('GetProfile', 'get-profile', 'GET /profile').bindTable(table('readWrite'));
    this.getAddresses = fn('GetAddresses', 'get-addresses', 'GET /profile/addresses').bindTable(table('read'));
    this.getFavorites = fn('GetFavorites', 'get-favorites', 'GET /profile/favorites').bindTable(table('read'));
    this.listUsers = fn('ListUsers', 'list-users', 'GET /users (admins)');
    this.listUsers.addEnvironment('USER_POOL_ID', props.userPool.userPoolId);
    props.userPool.grant(this.listUsers, 'cognito-idp:ListUsers');
    for (const reader of props.savedAddressReaders ?? []) reader.bindTable(table('read'));

    api.addLambdaRoute('GET', '/profile', this.getProfile);
    api.addLambdaRoute('GET', '/profile/addresses', this.getAddresses);
    api.addLambdaRoute('GET', '/profile/favorites', this.getFavorites);
    api.addLambdaRoute('GET', '/users', this.listUsers);

    // Address commands: API Gateway → EventBridge → AddressWriter.
    this.addressDeadLetterQueue = new DeadLetterQueue(this, 'AddressCommandDeadLetterQueue');
    this.addressWriter = fn('AddressWriter', 'write-address', 'Applies address commands from dishpatch.profile');
    this.addressWriter.bindTable(table('readWrite'));
    this.addressWriter.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.addressDeadLetterQueue),
      retryAttempts: 2,
    });
    this.addressCommandsRule = new events.Rule(this, 'AddressCommandsRule', {
      eventBus: props.eventBus,
      description: 'Address commands from the profile routes to the address writer',
      eventPattern: { source: [EventSource.profile], detailType: profileEvents.map((c) => c.detailType) },
      targets: [
        new targets.LambdaFunction(this.addressWriter, {
          deadLetterQueue: this.addressDeadLetterQueue,
          maxEventAge: Duration.hours(2),
          retryAttempts: 8,
        }),
      ],
    });
    this.addressCommandsRole = new iam.Role(this, 'AddressCommandsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets the address routes put commands on the dishpatch bus, nothing else',
    });
    props.eventBus.grantPutEventsTo(this.addressCommandsRole);
    const addressModel = api.restApi.addModel('AddressCommandRequest', {
      modelName: 'AddressCommandRequest',
      contentType: 'application/json',
      schema: ADDRESS_COMMAND_SCHEMA,
    });
    for (const command of ADDRESS_COMMANDS) {
      const integration = new apigw.AwsIntegration({
        service: 'events',
        action: 'PutEvents',
        integrationHttpMethod: 'POST',
        options: {
          credentialsRole: this.addressCommandsRole,
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestParameters: {
            'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'",
            'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
          },
          requestTemplates: {
            'application/json': addressCommandTemplate(props.eventBus.eventBusName, command.detailType, command),
          },
          integrationResponses: commandResponses(addressCommandResponseTemplate(command.newId)),
        },
      });
      this.addCommand(api, command.method, command.path, integration, command.withBody ? addressModel : undefined);
    }

    // Favorite commands: API Gateway → SQS → FavoritesConsumer (batches, partial failures, DLQ).
    this.favoritesDeadLetterQueue = new DeadLetterQueue(this, 'FavoritesDeadLetterQueue');
    this.favoritesQueue = new sqs.Queue(this, 'FavoritesQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the consumer's timeout, as AWS advises for Lambda event sources.
      visibilityTimeout: Duration.seconds(60),
      deadLetterQueue: {
        queue: this.favoritesDeadLetterQueue,
        maxReceiveCount: ProfileService.FAVORITES_MAX_RECEIVE_COUNT,
      },
    });
    this.favoritesConsumer = fn('FavoritesConsumer', 'favorites-consumer', 'Applies favorite commands from SQS');
    this.favoritesConsumer
      .bindTable(table('readWrite'))
      .bindTable({ table: props.restaurantsTable, access: 'read', env: 'RESTAURANTS_TABLE_NAME' });
    this.favoritesConsumer.addEventSource(
      new SqsEventSource(this.favoritesQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
    this.favoriteCommandsRole = new iam.Role(this, 'FavoriteCommandsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets the favorite routes send commands to the favorites queue, nothing else',
    });
    this.favoriteCommandsRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.favoritesQueue.queueArn] }),
    );
    for (const { method, command } of FAVORITE_COMMANDS) {
      const integration = new apigw.AwsIntegration({
        service: 'sqs',
        path: `${Aws.ACCOUNT_ID}/${this.favoritesQueue.queueName}`,
        integrationHttpMethod: 'POST',
        options: {
          credentialsRole: this.favoriteCommandsRole,
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestParameters: {
            'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          },
          requestTemplates: { 'application/json': favoriteCommandTemplate(command) },
          integrationResponses: commandResponses('{"commandId":"$context.requestId"}'),
        },
      });
      this.addCommand(api, method, '/profile/favorites/{restaurantId}', integration);
    }
  }

  /**
   * A command route: the body model and body validator when it has a body, else the parameter validator with
   * its path parameters required; 202 or 500.
   */
  private addCommand(
    api: DishpatchApi,
    method: string,
    path: string,
    integration: apigw.Integration,
    model?: apigw.IModel,
  ): apigw.Method {
    const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    return api.restApi.root.resourceForPath(path).addMethod(method, integration, {
      requestModels: model === undefined ? undefined : { 'application/json': model },
      requestParameters: Object.fromEntries(pathParameters.map((name) => [`method.request.path.${name}`, true])),
      requestValidator: model === undefined ? api.parameterValidator : api.bodyValidator,
      methodResponses: [{ statusCode: '202' }, { statusCode: '500' }],
    });
  }
}

/** 202 with `template`, or 500 in the app's error shape when the bus or queue refused the call. */
function commandResponses(template: string): apigw.IntegrationResponse[] {
  return [
    { statusCode: '202', responseTemplates: { 'application/json': template } },
    {
      statusCode: '500',
      selectionPattern: '[45]\\d{2}',
      responseTemplates: {
        'application/json':
          '{"error":{"code":"COMMAND_NOT_ACCEPTED","message":"The command could not be queued","details":[]}}',
      },
    },
  ];
}
