import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { REQUEST_SCHEMAS, type RequestSchemaName } from './request-schemas';

/** Props of {@link DishpatchApi}. */
export interface DishpatchApiProps {
  readonly config: StageConfig;
  /** The Lambda REQUEST authorizer (verifies the Cognito ID token, returns the role policy and context). */
  readonly authorizerFunction: IFunction;
}

/** Options of a route. */
export interface RouteOptions {
  /** Body model; set on every write route, and the body validator comes with it. */
  readonly body?: RequestSchemaName;
  /** Request headers the gateway must see (400 without them), e.g. `Idempotency-Key`. */
  readonly requiredHeaders?: readonly string[];
  /** Method responses, needed by non-proxy integrations. */
  readonly methodResponses?: apigw.MethodResponse[];
}

/** Error shape of DESIGN §2 for gateway-generated responses; these templates only substitute variables. */
const errorBody = (code: string): string =>
  `{"error":{"code":"${code}","message":$context.error.messageString,"details":[]},"requestId":"$context.requestId"}`;

/** Headers the browser may send besides the CORS defaults. */
const EXTRA_CORS_HEADERS = ['Idempotency-Key', 'If-None-Match'];

/**
 * The dishpatch REST API: one `RestApi` with a Lambda REQUEST authorizer on every method, stage throttling,
 * JSON access logs, X-Ray, CORS, gateway responses in the app's error shape, and helpers so each service adds
 * its routes in a few lines ({@link DishpatchApi.addLambdaRoute}, {@link DishpatchApi.addRoute}).
 */
export class DishpatchApi extends Construct {
  public readonly restApi: apigw.RestApi;
  public readonly authorizer: apigw.RequestAuthorizer;
  /** Validates the body (against the method's model) and required parameters. */
  public readonly bodyValidator: apigw.RequestValidator;
  /** Validates required parameters only (reads, and writes without a body). */
  public readonly parameterValidator: apigw.RequestValidator;
  private readonly models = new Map<RequestSchemaName, apigw.Model>();

  constructor(scope: Construct, id: string, props: DishpatchApiProps) {
    super(scope, id);
    const { config } = props;

    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: props.authorizerFunction,
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: config.authorizerCacheTtl,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: `dishpatch-${config.stage}`,
      description: 'dishpatch: restaurants, menus and orders',
      deployOptions: {
        stageName: config.stage,
        throttlingRateLimit: config.apiThrottling.rateLimit,
        throttlingBurstLimit: config.apiThrottling.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
      cloudWatchRole: false,
      defaultCorsPreflightOptions: {
        allowOrigins: apigw.Cors.ALL_ORIGINS,
        allowMethods: apigw.Cors.ALL_METHODS,
        allowHeaders: [...apigw.Cors.DEFAULT_HEADERS, ...EXTRA_CORS_HEADERS],
      },
      defaultMethodOptions: { authorizer: this.authorizer, authorizationType: apigw.AuthorizationType.CUSTOM },
    });

    this.bodyValidator = this.restApi.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.parameterValidator = this.restApi.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters',
      validateRequestParameters: true,
    });
    this.addGatewayResponses();

    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason: 'No WAF yet: the API is throttled per stage and every method needs a verified Cognito token.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'A Lambda REQUEST authorizer verifies the Cognito ID token (aws-jwt-verify) because it also maps groups to a role policy and context.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'JSON access logs cover every request; execution logging needs the account-wide API Gateway CloudWatch role, which this app does not own.',
      },
    );
  }

  /** A Lambda proxy route. */
  public addLambdaRoute(method: string, path: string, fn: IFunction, options: RouteOptions = {}): apigw.Method {
    return this.addRoute(method, path, new apigw.LambdaIntegration(fn), options);
  }

  /** A route with any integration; validators and models follow from `options`. */
  public addRoute(
    method: string,
    path: string,
    integration: apigw.Integration,
    options: RouteOptions = {},
  ): apigw.Method {
    const requestParameters = Object.fromEntries(
      (options.requiredHeaders ?? []).map((header) => [`method.request.header.${header}`, true]),
    );
    const validated = options.body !== undefined || Object.keys(requestParameters).length > 0;
    return this.restApi.root.resourceForPath(path).addMethod(method, integration, {
      requestModels: options.body === undefined ? undefined : { 'application/json': this.model(options.body) },
      requestParameters,
      requestValidator: !validated
        ? undefined
        : options.body === undefined
          ? this.parameterValidator
          : this.bodyValidator,
      methodResponses: options.methodResponses,
    });
  }

  private model(name: RequestSchemaName): apigw.Model {
    let model = this.models.get(name);
    if (model === undefined) {
      model = this.restApi.addModel(name, {
        modelName: name,
        contentType: 'application/json',
        schema: REQUEST_SCHEMAS[name],
      });
      this.models.set(name, model);
    }
    return model;
  }

  private addGatewayResponses(): void {
    const responses: [string, apigw.ResponseType, string | undefined, string][] = [
      ['BadRequestBody', apigw.ResponseType.BAD_REQUEST_BODY, '400', 'VALIDATION_FAILED'],
      ['BadRequestParameters', apigw.ResponseType.BAD_REQUEST_PARAMETERS, '400', 'VALIDATION_FAILED'],
      ['Unauthorized', apigw.ResponseType.UNAUTHORIZED, '401', 'UNAUTHORIZED'],
      ['AccessDenied', apigw.ResponseType.ACCESS_DENIED, '403', 'FORBIDDEN'],
      // API Gateway answers an unknown route with 403 "Missing Authentication Token"; it is a 404.
      ['MissingAuthenticationToken', apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'ROUTE_NOT_FOUND'],
      ['Throttled', apigw.ResponseType.THROTTLED, '429', 'THROTTLED'],
      // The defaults keep the status of the response they stand for (413, 415, 502, 504, ...).
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX, undefined, 'BAD_REQUEST'],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX, undefined, 'INTERNAL_ERROR'],
    ];
    for (const [id, type, statusCode, code] of responses) {
      this.restApi.addGatewayResponse(id, {
        type,
        statusCode,
        responseHeaders: { 'Access-Control-Allow-Origin': "'*'" },
        templates: { 'application/json': errorBody(code) },
      });
    }
  }
}
