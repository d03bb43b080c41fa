/**
 * The contracts every local service implements. The local cloud is a set of services, each a plain object of
 * async operations (no HTTP knowledge) plus the template resource types it provisions. The edge server turns
 * wire-protocol requests into `call(service, operation, input)`; services call each other the same way.
 */

/** Wire protocols the edge understands. */
export type Protocol =
  | 'json1.0' // X-Amz-Target: Prefix.Operation, application/x-amz-json-1.0 (DynamoDB, SFN, SQS)
  | 'json1.1' // X-Amz-Target, application/x-amz-json-1.1 (EventBridge, Cognito, CloudWatch Logs)
  | 'query' // form-encoded Action=..., XML answers (SNS, CloudFormation, CloudWatch, SQS query mode)
  | 'rest-json'; // path-routed REST (Lambda); the service supplies `routes`

/** Settings shared by every service of one running local cloud. */
export interface LocalContext {
  readonly region: string; // default 'us-east-1'
  readonly accountId: string; // default '000000000000'
  /** Public URL of the edge endpoint, e.g. http://localhost:4566 (queue URLs, JWKS, console links). */
  readonly endpoint: string;
  /** Folder for persistence (one sub-folder per service); undefined = in memory. */
  readonly dataDir: string | undefined;
  /** Waits and timeouts are divided by this (1 = real time; 60 = a minute lasts a second). */
  readonly timeScale: number;
  /** Folder with the cloud assembly (cdk.out) so assets can be found. */
  readonly assemblyDir: string | undefined;
  /** Port of the REST API server (API Gateway); 0 = any free port. */
  readonly apiPort: number;
  readonly log: LocalLogger;
}

export interface LocalLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** Per-call information (from the edge, or from another service). */
export interface CallContext {
  readonly requestId: string;
  /** Who is calling: 'edge' for wire requests, or the calling service's name. */
  readonly caller: string;
  /** Raw HTTP details when the call came through the edge. */
  readonly http?: { readonly headers: Record<string, string | undefined>; readonly host?: string };
}

export type Operation = (input: any, ctx: CallContext) => Promise<any>;

/*
 * Cross-service calls use the AWS API's JSON shapes. The ones several services rely on:
 * - lambda Invoke: {FunctionName (name or ARN), InvocationType?: 'RequestResponse'|'Event'|'DryRun',
 *   Payload?: string (JSON text), Qualifier?} -> {StatusCode, FunctionError?: 'Unhandled', Payload: string,
 *   LogResult?, ExecutedVersion}. A function that throws answers FunctionError 'Unhandled' and Payload
 *   {"errorType","errorMessage","trace"} (as AWS does).
 * - dynamodb GetItem/PutItem/UpdateItem/DeleteItem/Query...: the DynamoDB JSON API (typed AttributeValues).
 * - events PutEvents {Entries:[{Source, DetailType, Detail (string), EventBusName?, Resources?, Time?}]}.
 * - sqs SendMessage {QueueUrl, MessageBody, MessageAttributes?, DelaySeconds?}; ReceiveMessage; DeleteMessage.
 * - sns Publish {TopicArn, Message, Subject?, MessageAttributes?}.
 * - states StartExecution {stateMachineArn, name?, input?}; SendTaskSuccess/Failure.
 */

/** A raw HTTP route for services that are not plain RPC (Lambda REST paths, JWKS, console data). */
export interface Route {
  readonly method: string; // 'GET' | 'POST' | ... | '*'
  /** Path pattern with {name} and {name+} segments, e.g. '/2015-03-31/functions/{name}/invocations'. */
  readonly path: string;
  handle(req: RawRequest, params: Record<string, string>): Promise<RawResponse>;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | undefined>;
  readonly body: Buffer;
  readonly requestId: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** A template resource after intrinsic functions are resolved. */
export interface ResolvedResource {
  readonly logicalId: string;
  readonly type: string; // 'AWS::DynamoDB::Table'
  readonly properties: Record<string, any>;
  /** What `Ref` gives (a name, a URL or an ARN depending on the type). */
  readonly physicalId: string;
  /** The `Fn::GetAtt` attributes (Arn, StreamArn, QueueUrl, ...). */
  readonly attributes: Record<string, string>;
  /** Metadata (aws:asset:path etc.). */
  readonly metadata?: Record<string, any>;
  /** The stack the resource belongs to (set by the template loader). */
  readonly stackName?: string;
  /**
   * Absolute path of the asset folder (`cdk.out/asset.*`) when the resource has code or files from the cloud
   * assembly (Lambda `Code.S3Key`, `aws:asset:path` metadata); undefined otherwise.
   */
  readonly assetPath?: string;
}

/** One local AWS service. */
export interface Service {
  readonly name: string; // 'dynamodb', 'stepfunctions', 'events', 'sqs', 'lambda', 'cognito-idp', ...
  readonly protocol: Protocol;
  /** X-Amz-Target prefix for JSON protocols (e.g. 'DynamoDB_20120810', 'AWSStepFunctions'). */
  readonly targetPrefix?: string;
  /** SigV4 signing names that route to this service for the query protocol (e.g. ['sns']). */
  readonly signingNames?: readonly string[];
  /** XML namespace for query-protocol answers. */
  readonly xmlNamespace?: string;
  /** Operations by their AWS name ('PutItem', 'StartExecution'). Input and output as in the AWS API JSON. */
  readonly operations: Readonly<Record<string, Operation>>;
  readonly routes?: readonly Route[];
  /** Template resource types this service provisions. */
  readonly resourceTypes?: readonly string[];
  /**
   * Properties of those types the service does not support, by type (top-level property names). A template that
   * sets one fails at load with a clear message instead of being half-emulated.
   */
  readonly unsupportedProperties?: Readonly<Record<string, readonly string[]>>;
  /**
   * Query protocol only: field names whose JSON objects are AWS maps (written as `<entry><key/><value/></entry>`,
   * e.g. SNS `Attributes`); other objects are structures.
   */
  readonly queryMapFields?: readonly string[];
  /** Query protocol only: list fields written flattened (repeated element, no `<member>`), e.g. SQS `QueueUrl`. */
  readonly queryFlattenedFields?: readonly string[];
  /**
   * Query protocol only: turn the form parameters into the operation input when the generic unflattening
   * (`A.member.1`, `A.entry.1.key`, `A.1.Name` → lists/maps/objects, all values strings) does not fit.
   */
  queryInput?(operation: string, params: Readonly<Record<string, string>>): unknown;
  /**
   * Map a public AWS URL this service owns (e.g. `https://<id>.execute-api.<region>.amazonaws.com/<stage>/`) to
   * its local URL; undefined when the URL is not this service's. Used for stack outputs.
   */
  localizeUrl?(url: string): string | undefined;
  /** Create the resources of the template this service owns (called once, in template order). */
  provision?(resources: readonly ResolvedResource[]): Promise<void>;
  /** Begin background work (pollers, timers, restored executions). */
  start?(): Promise<void>;
  /** Stop background work and flush state. */
  stop?(): Promise<void>;
  /** Facts to print at start and to expose to tests once started (e.g. `{apiUrl: 'http://localhost:3000/local/'}`). */
  info?(): Record<string, string>;
}

/** How services reach each other: by name and operation, never by HTTP. */
export interface Cloud {
  readonly ctx: LocalContext;
  call<T = any>(service: string, operation: string, input: unknown, caller?: string): Promise<T>;
  service(name: string): Service;
  /** Every running service (a console or a support matrix walks them). */
  list?(): readonly Service[];
}

/** Every service module exports a factory with this signature. */
export type ServiceFactory = (ctx: LocalContext, cloud: Cloud) => Service | Promise<Service>;
