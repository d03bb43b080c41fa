/**
 * The in-memory model of the template's REST APIs: every API Gateway resource is collected as it is
 * provisioned (in any order) and linked into APIs, resource trees and stages once, when the server starts.
 */
import type { ResolvedResource } from '../core/types.ts';

/** One integration response (`IntegrationResponses[]`). */
export interface IntegrationResponseDef {
  readonly statusCode: string;
  readonly selectionPattern: string | undefined;
  readonly responseTemplates: Record<string, string>;
  readonly responseParameters: Record<string, string>;
  readonly contentHandling: string | undefined;
}

/** A method's integration. */
export interface IntegrationDef {
  /** `INTERNET` or `VPC_LINK` (the latter is not emulated). */
  readonly connectionType: string;
  readonly type: 'AWS_PROXY' | 'AWS' | 'MOCK' | 'HTTP_PROXY' | 'HTTP';
  readonly uri: string;
  readonly httpMethod: string | undefined;
  readonly requestTemplates: Record<string, string>;
  readonly requestParameters: Record<string, string>;
  readonly passthroughBehavior: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';
  readonly timeoutMs: number;
  readonly contentHandling: string | undefined;
  readonly responses: readonly IntegrationResponseDef[];
}

/** A method of a resource. */
export interface MethodDef {
  readonly logicalId: string;
  readonly httpMethod: string;
  readonly authorizationType: string;
  readonly authorizerId: string | undefined;
  readonly apiKeyRequired: boolean;
  readonly requestValidatorId: string | undefined;
  /** content type → model name */
  readonly requestModels: Record<string, string>;
  /** `method.request.header.X` → required */
  readonly requestParameters: Record<string, boolean>;
  /** OAuth scopes a Cognito authorizer requires (then an access token is needed). */
  readonly authorizationScopes: readonly string[];
  readonly integration: IntegrationDef;
}

/** A node of the resource tree. */
export interface ResourceNode {
  readonly id: string;
  readonly pathPart: string;
  readonly path: string;
  readonly children: ResourceNode[];
  readonly methods: Map<string, MethodDef>;
}

export interface AuthorizerDef {
  readonly id: string;
  readonly name: string;
  readonly type: 'TOKEN' | 'REQUEST' | 'COGNITO_USER_POOLS';
  /** The Lambda function ARN, extracted from `AuthorizerUri`. */
  readonly functionArn: string | undefined;
  /** `method.request.header.Authorization`, ... */
  readonly identitySources: readonly string[];
  readonly identityValidationExpression: string | undefined;
  readonly ttlSeconds: number;
  readonly providerArns: readonly string[];
}

export interface MethodSetting {
  /** '/*' or an unescaped resource path ('/orders'). */
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly rateLimit: number | undefined;
  readonly burstLimit: number | undefined;
}

export interface StageDef {
  readonly name: string;
  readonly variables: Record<string, string>;
  readonly methodSettings: readonly MethodSetting[];
  readonly accessLogFormat: string | undefined;
  readonly accessLogDestination: string | undefined;
}

export interface GatewayResponseDef {
  readonly type: string;
  readonly statusCode: number | undefined;
  readonly responseParameters: Record<string, string>;
  readonly responseTemplates: Record<string, string>;
}

/** A REST API ready to serve. */
export interface RestApiDef {
  readonly id: string;
  readonly logicalId: string;
  readonly name: string;
  readonly binaryMediaTypes: readonly string[];
  readonly apiKeySource: 'HEADER' | 'AUTHORIZER';
  readonly root: ResourceNode;
  readonly resourcesById: Map<string, ResourceNode>;
  readonly stages: Map<string, StageDef>;
  readonly authorizers: Map<string, AuthorizerDef>;
  readonly validators: Map<string, { readonly body: boolean; readonly params: boolean }>;
  /** model name → JSON schema */
  readonly models: Map<string, Record<string, unknown>>;
  readonly gatewayResponses: Map<string, GatewayResponseDef>;
}

export interface UsagePlanDef {
  readonly id: string;
  readonly name: string;
  readonly rateLimit: number | undefined;
  readonly burstLimit: number | undefined;
  readonly quota: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' } | undefined;
  /** apiId/stage pairs, with optional per-method throttles keyed '/path/METHOD'. */
  readonly stages: readonly {
    readonly apiId: string;
    readonly stage: string;
    readonly throttle: Record<string, { rateLimit?: number; burstLimit?: number }>;
  }[];
}

export interface ApiKeyDef {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly enabled: boolean;
}

/** Everything the server needs, linked. */
export interface GatewayModel {
  readonly apis: readonly RestApiDef[];
  readonly usagePlans: readonly UsagePlanDef[];
  readonly apiKeys: readonly ApiKeyDef[];
  /** api key id → usage plan ids */
  readonly planKeys: ReadonlyMap<string, readonly string[]>;
}

/** Resource types the service accepts. */
export const API_GATEWAY_TYPES = [
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::UsagePlan',
  'AWS::ApiGateway::UsagePlanKey',
  'AWS::ApiGateway::ApiKey',
  'AWS::ApiGateway::Account',
] as const;

/** A CloudFormation property bag: untyped JSON, read defensively below. */
// biome-ignore lint/suspicious/noExplicitAny: template properties are arbitrary JSON (ResolvedResource types them so too)
type Props = Record<string, any>;

const record = (value: unknown): Props =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Props) : {};

const stringRecord = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(record(value)).map(([k, v]) => [k, String(v)]));

const num = (value: unknown): number | undefined =>
  value === undefined || value === null || value === '' ? undefined : Number(value);

const bool = (value: unknown): boolean => value === true || value === 'true';

/** The Lambda function ARN inside an API Gateway invocation URI (`.../functions/<arn>/invocations`). */
export const lambdaArnFromUri = (uri: string): string | undefined => {
  const match = /:lambda:path\/[^/]+\/functions\/(.+?)\/invocations$/.exec(uri);
  return match?.[1];
};

const integrationOf = (raw: Props): IntegrationDef => ({
  connectionType: String(raw.ConnectionType ?? 'INTERNET'),
  type: (raw.Type ?? 'MOCK') as IntegrationDef['type'],
  uri: String(raw.Uri ?? ''),
  httpMethod: raw.IntegrationHttpMethod,
  requestTemplates: stringRecord(raw.RequestTemplates),
  requestParameters: stringRecord(raw.RequestParameters),
  passthroughBehavior: (raw.PassthroughBehavior ?? 'WHEN_NO_MATCH') as IntegrationDef['passthroughBehavior'],
  timeoutMs: num(raw.TimeoutInMillis) ?? 29_000,
  contentHandling: raw.ContentHandling,
  responses: (Array.isArray(raw.IntegrationResponses) ? raw.IntegrationResponses : []).map(
    (r: Props): IntegrationResponseDef => ({
      statusCode: String(r.StatusCode ?? '200'),
      selectionPattern: r.SelectionPattern === undefined ? undefined : String(r.SelectionPattern),
      responseTemplates: stringRecord(r.ResponseTemplates),
      responseParameters: stringRecord(r.ResponseParameters),
      contentHandling: r.ContentHandling,
    }),
  ),
});

/**
 * Stage `MethodSettings` paths are '/' followed by the resource path with '/' escaped as '~1': `/~1orders` is the
 * resource `/orders`, `/~1` the root, `/*` every resource.
 */
const settingPath = (raw: string): string => (raw === '/*' ? raw : raw.replace(/^\//, '').replaceAll('~1', '/') || '/');

const methodSettingsOf = (raw: unknown): MethodSetting[] =>
  (Array.isArray(raw) ? raw : []).map((s: Props) => ({
    resourcePath: settingPath(String(s.ResourcePath ?? '/*')),
    httpMethod: String(s.HttpMethod ?? '*'),
    rateLimit: num(s.ThrottlingRateLimit),
    burstLimit: num(s.ThrottlingBurstLimit),
  }));

const stageOf = (name: string, props: Props): StageDef => ({
  name,
  variables: stringRecord(props.Variables),
  methodSettings: [
    ...methodSettingsOf(props.MethodSettings),
    // Deployment.StageDescription carries stage-wide throttling outside MethodSettings.
    ...(props.ThrottlingRateLimit !== undefined || props.ThrottlingBurstLimit !== undefined
      ? [
          {
            resourcePath: '/*',
            httpMethod: '*',
            rateLimit: num(props.ThrottlingRateLimit),
            burstLimit: num(props.ThrottlingBurstLimit),
          },
        ]
      : []),
  ],
  accessLogFormat: record(props.AccessLogSetting).Format,
  accessLogDestination: record(props.AccessLogSetting).DestinationArn,
});

/** Deterministic local value for an API key declared without `Value`, so it can be printed and reused. */
const generatedKeyValue = (id: string): string => `local-${id}`.replace(/[^A-Za-z0-9-]/g, '').padEnd(20, '0');

/**
 * Link the provisioned resources into serveable APIs. Unknown references (a method on a resource of another
 * template) are reported through `warn` and skipped, never fatal.
 */
export const buildModel = (resources: readonly ResolvedResource[], warn: (msg: string) => void): GatewayModel => {
  const byType = (type: string) => resources.filter((r) => r.type === `AWS::ApiGateway::${type}`);
  const apis = byType('RestApi').map((api): RestApiDef & { resourcesById: Map<string, ResourceNode> } => {
    const props = api.properties;
    const rootId = api.attributes.RootResourceId ?? `${api.physicalId}-root`;
    const root: ResourceNode = { id: rootId, pathPart: '', path: '/', children: [], methods: new Map() };
    return {
      id: api.physicalId,
      logicalId: api.logicalId,
      name: String(props.Name ?? api.logicalId),
      binaryMediaTypes: (Array.isArray(props.BinaryMediaTypes) ? props.BinaryMediaTypes : []).map((t: string) =>
        // CloudFormation accepts the escaped form 'image~1png'.
        String(t).replaceAll('~1', '/'),
      ),
      apiKeySource: props.ApiKeySourceType === 'AUTHORIZER' ? 'AUTHORIZER' : 'HEADER',
      root,
      resourcesById: new Map([[rootId, root]]),
      stages: new Map(),
      authorizers: new Map(),
      validators: new Map(),
      models: new Map(),
      gatewayResponses: new Map(),
    };
  });
  const apiById = new Map(apis.map((a) => [a.id, a]));
  const apiFor = (r: ResolvedResource): (typeof apis)[number] | undefined => {
    const api = apiById.get(String(r.properties.RestApiId));
    if (!api) warn(`${r.logicalId}: RestApiId ${r.properties.RestApiId} is not a RestApi of this template`);
    return api;
  };

  // Resources may arrive in any order: attach children once every node exists.
  const pending = byType('Resource');
  for (const r of pending) {
    const api = apiFor(r);
    if (!api) continue;
    api.resourcesById.set(r.physicalId, {
      id: r.physicalId,
      pathPart: String(r.properties.PathPart),
      path: '',
      children: [],
      methods: new Map(),
    });
  }
  for (const r of pending) {
    const api = apiById.get(String(r.properties.RestApiId));
    const node = api?.resourcesById.get(r.physicalId);
    const parent = api?.resourcesById.get(String(r.properties.ParentId));
    if (!node || !parent) {
      if (api) warn(`${r.logicalId}: parent ${r.properties.ParentId} not found`);
      continue;
    }
    parent.children.push(node);
  }
  for (const api of apis) assignPaths(api.root, '');

  for (const m of byType('Method')) {
    const api = apiFor(m);
    const node = api?.resourcesById.get(String(m.properties.ResourceId));
    if (!node) {
      if (api) warn(`${m.logicalId}: resource ${m.properties.ResourceId} not found`);
      continue;
    }
    const p = m.properties;
    const httpMethod = String(p.HttpMethod).toUpperCase();
    node.methods.set(httpMethod, {
      logicalId: m.logicalId,
      httpMethod,
      authorizationType: String(p.AuthorizationType ?? 'NONE').toUpperCase(),
      authorizerId: p.AuthorizerId === undefined ? undefined : String(p.AuthorizerId),
      apiKeyRequired: bool(p.ApiKeyRequired),
      requestValidatorId: p.RequestValidatorId === undefined ? undefined : String(p.RequestValidatorId),
      requestModels: stringRecord(p.RequestModels),
      requestParameters: Object.fromEntries(Object.entries(record(p.RequestParameters)).map(([k, v]) => [k, bool(v)])),
      authorizationScopes: Array.isArray(p.AuthorizationScopes) ? p.AuthorizationScopes.map(String) : [],
      integration: integrationOf(record(p.Integration)),
    });
  }

  for (const d of byType('Deployment')) {
    const api = apiFor(d);
    // The older form: a Deployment that names its stage and describes it inline.
    if (api && d.properties.StageName)
      api.stages.set(
        String(d.properties.StageName),
        stageOf(String(d.properties.StageName), record(d.properties.StageDescription)),
      );
  }
  for (const s of byType('Stage')) {
    const api = apiFor(s);
    if (api) api.stages.set(String(s.properties.StageName), stageOf(String(s.properties.StageName), s.properties));
  }
  for (const a of byType('Authorizer')) {
    const api = apiFor(a);
    if (!api) continue;
    const p = a.properties;
    const type = String(p.Type ?? 'TOKEN').toUpperCase() as AuthorizerDef['type'];
    api.authorizers.set(a.physicalId, {
      id: a.physicalId,
      name: String(p.Name ?? a.logicalId),
      type,
      functionArn: p.AuthorizerUri ? lambdaArnFromUri(String(p.AuthorizerUri)) : undefined,
      identitySources: String(p.IdentitySource ?? (type === 'REQUEST' ? '' : 'method.request.header.Authorization'))
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      identityValidationExpression: p.IdentityValidationExpression,
      ttlSeconds: num(p.AuthorizerResultTtlInSeconds) ?? 300,
      providerArns: Array.isArray(p.ProviderARNs) ? p.ProviderARNs.map(String) : [],
    });
  }
  for (const v of byType('RequestValidator')) {
    apiFor(v)?.validators.set(v.physicalId, {
      body: bool(v.properties.ValidateRequestBody),
      params: bool(v.properties.ValidateRequestParameters),
    });
  }
  for (const m of byType('Model')) {
    const api = apiFor(m);
    if (!api) continue;
    const schema =
      typeof m.properties.Schema === 'string' ? JSON.parse(m.properties.Schema) : record(m.properties.Schema);
    api.models.set(String(m.properties.Name ?? m.physicalId), schema);
    // Methods reference models by name; the name is what Ref gives, keep both keys in case they differ.
    api.models.set(m.physicalId, schema);
  }
  for (const g of byType('GatewayResponse')) {
    const p = g.properties;
    apiFor(g)?.gatewayResponses.set(String(p.ResponseType), {
      type: String(p.ResponseType),
      statusCode: num(p.StatusCode),
      responseParameters: stringRecord(p.ResponseParameters),
      responseTemplates: stringRecord(p.ResponseTemplates),
    });
  }

  const usagePlans = byType('UsagePlan').map(
    (u): UsagePlanDef => ({
      id: u.physicalId,
      name: String(u.properties.UsagePlanName ?? u.logicalId),
      rateLimit: num(record(u.properties.Throttle).RateLimit),
      burstLimit: num(record(u.properties.Throttle).BurstLimit),
      quota: u.properties.Quota
        ? { limit: Number(u.properties.Quota.Limit), period: u.properties.Quota.Period ?? 'DAY' }
        : undefined,
      stages: (Array.isArray(u.properties.ApiStages) ? u.properties.ApiStages : []).map((s: Props) => ({
        apiId: String(s.ApiId),
        stage: String(s.Stage),
        throttle: Object.fromEntries(
          Object.entries(record(s.Throttle)).map(([k, t]) => [
            k.replaceAll('~1', '/'),
            { rateLimit: num(record(t).RateLimit), burstLimit: num(record(t).BurstLimit) },
          ]),
        ),
      })),
    }),
  );
  const apiKeys = byType('ApiKey').map(
    (k): ApiKeyDef => ({
      id: k.physicalId,
      name: String(k.properties.Name ?? k.logicalId),
      value: String(k.properties.Value ?? generatedKeyValue(k.physicalId)),
      enabled: k.properties.Enabled === undefined ? true : bool(k.properties.Enabled),
    }),
  );
  const planKeys = new Map<string, string[]>();
  for (const pk of byType('UsagePlanKey')) {
    const keyId = String(pk.properties.KeyId);
    planKeys.set(keyId, [...(planKeys.get(keyId) ?? []), String(pk.properties.UsagePlanId)]);
  }
  return { apis, usagePlans, apiKeys, planKeys };
};

const assignPaths = (node: ResourceNode, parentPath: string): void => {
  const path = node.pathPart === '' ? '/' : `${parentPath === '/' ? '' : parentPath}/${node.pathPart}`;
  (node as { path: string }).path = path;
  for (const child of node.children) assignPaths(child, path);
};

/** The result of matching a request path against a resource tree. */
export interface RouteMatch {
  readonly resource: ResourceNode;
  readonly pathParameters: Record<string, string>;
}

/**
 * Match path segments against the tree: a literal part wins over `{param}`, which wins over a greedy
 * `{proxy+}` (which takes the rest of the path, at least one segment), with backtracking.
 */
export const matchRoute = (root: ResourceNode, segments: readonly string[]): RouteMatch | undefined => {
  const walk = (node: ResourceNode, i: number, params: Record<string, string>): RouteMatch | undefined => {
    if (i === segments.length) return { resource: node, pathParameters: params };
    const segment = segments[i]!;
    const ranked = [...node.children].sort((a, b) => rank(a.pathPart) - rank(b.pathPart));
    for (const child of ranked) {
      const part = child.pathPart;
      if (part.endsWith('+}')) {
        const name = part.slice(1, -2);
        return { resource: child, pathParameters: { ...params, [name]: segments.slice(i).join('/') } };
      }
      if (part.startsWith('{') && part.endsWith('}')) {
        const found = walk(child, i + 1, { ...params, [part.slice(1, -1)]: segment });
        if (found) return found;
      } else if (part === segment) {
        const found = walk(child, i + 1, params);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(root, 0, {});
};

const rank = (pathPart: string): number => (pathPart.endsWith('+}') ? 2 : pathPart.startsWith('{') ? 1 : 0);

const INTEGRATION_TYPES = new Set(['AWS_PROXY', 'AWS', 'MOCK', 'HTTP_PROXY', 'HTTP']);
const AUTHORIZATION_TYPES = new Set(['NONE', 'CUSTOM', 'COGNITO_USER_POOLS', 'AWS_IAM']);

/** What the model asks for that the local gateway cannot do; start() refuses such a template. */
export const unsupportedFeatures = (model: GatewayModel): string[] => {
  const problems: string[] = [];
  for (const api of model.apis) {
    for (const node of api.resourcesById.values()) {
      for (const m of node.methods.values()) {
        const where = `${api.name} ${m.httpMethod} ${node.path} (${m.logicalId})`;
        if (!INTEGRATION_TYPES.has(m.integration.type))
          problems.push(`${where}: integration type ${m.integration.type}`);
        if (m.integration.connectionType === 'VPC_LINK') problems.push(`${where}: VPC link integrations`);
        if (!AUTHORIZATION_TYPES.has(m.authorizationType))
          problems.push(`${where}: authorization type ${m.authorizationType}`);
        if (
          (m.integration.type === 'AWS_PROXY' || m.integration.type === 'AWS') &&
          m.integration.uri.includes(':lambda:path/') &&
          !lambdaArnFromUri(m.integration.uri)
        )
          problems.push(`${where}: Lambda URI ${m.integration.uri}`);
      }
    }
    for (const a of api.authorizers.values()) {
      if (a.type !== 'COGNITO_USER_POOLS' && !a.functionArn)
        problems.push(`${api.name} authorizer ${a.name}: AuthorizerUri is not a Lambda function`);
    }
  }
  return problems;
};

/** `${stageVariables.name}` in an integration URI, replaced by the stage's value. */
export const withStageVariables = (uri: string, variables: Record<string, string>): string =>
  uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_m, name: string) => variables[name] ?? '');
