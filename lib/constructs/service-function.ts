import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

/** The project root: entries are given relative to it, as in docs/app-contract.md. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Lets ESM bundles load the CommonJS dependencies that still call `require` (parts of the SDK and Powertools
 * do), which esbuild cannot rewrite on its own.
 */
const CREATE_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

/** Props of {@link ServiceFunction}. */
export interface ServiceFunctionProps {
  /** Handler file relative to the project root, e.g. `functions/orders/get-order.ts`. */
  readonly entry: string;
  /** Stage settings: log retention, removal policy, log level. */
  readonly config: StageConfig;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`), e.g. `orders`. */
  readonly service: string;
  /** Extra environment variables; tables are better bound with {@link ServiceFunction.bindTable}. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Function timeout.
   * @default - 10 seconds
   */
  readonly timeout?: Duration;
  /**
   * Memory size in MiB; Lambda gives CPU in proportion, so 512 keeps cold starts of the bundled SDK short.
   * @default 512
   */
  readonly memorySize?: number;
  /** Description shown in the Lambda console. */
  readonly description?: string;
}

/** How a function may use a table. */
export type TableAccess = 'read' | 'readWrite';

/** Options of {@link ServiceFunction.bindTable}. */
export interface BindTableOptions {
  /** The table to bind. */
  readonly table: ITable;
  /** The least access the function needs. */
  readonly access: TableAccess;
  /** The environment variable carrying the table name, e.g. `ORDERS_TABLE_NAME`. */
  readonly env: string;
  /**
   * The indexes the function queries; each gets the read actions, by its own ARN.
   * @default - no index
   */
  readonly indexes?: readonly string[];
}

/**
 * Item-level DynamoDB actions. No `Scan` (every listing has an index), no table management, and none of the
 * stream actions `grantReadData` would add; transactions need no action of their own.
 */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

/**
 * The one way dishpatch builds a Lambda function: the newest Node runtime, ARM64, X-Ray active, an ESM bundle
 * (`.mjs`) with the AWS SDK bundled and tree-shaken, minified with source maps, its own log group with the
 * stage's retention, its own role (no AWS managed policy), and the Powertools environment.
 *
 * The construct id is the function's name in the contract (`PriceOrder`, `GetOrder`, ...).
 */
export class ServiceFunction extends nodejs.NodejsFunction {
  /** The handler file relative to the project root, as given in the props. */
  public readonly entryFile: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.config.logRetention,
      // Logs are diagnostics, not records: they follow the stage but never outlive a dev stack.
      removalPolicy: props.config.removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    // Only this log group, instead of AWSLambdaBasicExecutionRole's logs:* on every group of the account.
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: 'dishpatch',
        POWERTOOLS_LOG_LEVEL: props.config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        // Prefer ESM entry points so esbuild can tree-shake the SDK and Powertools.
        mainFields: ['module', 'main'],
        // Bundle the SDK too: NOTES.md measured ≈72 ms cold load against ≈140 ms for the runtime's untreeshaken copy.
        bundleAwsSDK: true,
        externalModules: [],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node24',
        banner: CREATE_REQUIRE_BANNER,
      },
    });
    this.entryFile = props.entry;

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; the only * resource.',
    });
  }

  /**
   * Sets `env` to the table name and grants exactly `access` on the table, plus reads on the named indexes.
   * Built on `Grant.addToPrincipal` rather than `table.grantReadData`, which would grant `<table>/index/*` and
   * `Scan`.
   */
  public bindTable({ table, access, env, indexes = [] }: BindTableOptions): this {
    this.addEnvironment(env, table.tableName);
    iam.Grant.addToPrincipal({ grantee: this, actions: [...TABLE_ACTIONS[access]], resourceArns: [table.tableArn] });
    if (indexes.length > 0) {
      iam.Grant.addToPrincipal({
        grantee: this,
        actions: ['dynamodb:Query'],
        resourceArns: indexes.map((index) => `${table.tableArn}/index/${index}`),
      });
    }
    return this;
  }
}
