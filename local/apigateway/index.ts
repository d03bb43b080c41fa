/**
 * The local API Gateway (REST APIs). Unlike the other services it is not reached through the edge: it serves
 * the template's REST APIs on its own port (`ctx.apiPort`), as `https://<id>.execute-api...` would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedResource, Service, ServiceFactory } from '../core/types.ts';
import { API_GATEWAY_TYPES, buildModel, type GatewayModel, unsupportedFeatures } from './model.ts';
import { GatewayServer } from './server.ts';
import type { AccessLogLine } from './telemetry.ts';

/** The API Gateway service, with a few local-only views for tests and the console. */
export interface ApiGatewayService extends Service {
  /** The linked model once started. */
  model(): GatewayModel | undefined;
  /** Access log lines of stages with an `AccessLogSetting`. */
  accessLogs(): readonly AccessLogLine[];
  /** How many times each Lambda authorizer (by id) was invoked. */
  authorizerInvocations(): ReadonlyMap<string, number>;
  /** The base URL of a stage: `http://localhost:<port>/<stage>/`. */
  stageUrl(stage: string): string;
}

export const createApiGatewayService: ServiceFactory = (ctx, cloud): ApiGatewayService => {
  const resources: ResolvedResource[] = [];
  let model: GatewayModel | undefined;
  let gateway: GatewayServer | undefined;
  let server: Server | undefined;
  let port: number | undefined;

  const stageUrl = (stage: string) => `http://localhost:${port ?? ctx.apiPort}/${stage}/`;

  return {
    name: 'apigateway',
    protocol: 'rest-json',
    resourceTypes: API_GATEWAY_TYPES,
    // Routes from an imported OpenAPI body and canary deployments are not emulated: refuse them at load.
    unsupportedProperties: {
      'AWS::ApiGateway::RestApi': ['Body', 'BodyS3Location', 'CloneFrom'],
      'AWS::ApiGateway::Deployment': ['DeploymentCanarySettings'],
      'AWS::ApiGateway::Stage': ['CanarySetting'],
    },
    operations: {
      /** The APIs as `GetRestApis` lists them (local subset), with their local URLs. */
      GetRestApis: async () => ({
        items: (model?.apis ?? []).map((api) => ({
          id: api.id,
          name: api.name,
          binaryMediaTypes: api.binaryMediaTypes,
          stages: [...api.stages.keys()],
          urls: [...api.stages.keys()].map(stageUrl),
        })),
      }),
      /** Local-only: the access log lines kept in memory. */
      GetAccessLogs: async (input: { apiId?: string; stage?: string }) => ({
        lines: (gateway?.telemetry.accessLogs() ?? []).filter(
          (l) => (!input?.apiId || l.apiId === input.apiId) && (!input?.stage || l.stage === input.stage),
        ),
      }),
      /** `FlushStageAuthorizersCache`, stage-agnostic locally. */
      FlushStageAuthorizersCache: async () => {
        gateway?.authorizers.flush();
        return {};
      },
    },

    async provision(batch) {
      resources.push(...batch);
    },

    async start() {
      model = buildModel(resources, (msg) => ctx.log.warn(`apigateway: ${msg}`));
      for (const api of model.apis)
        if (api.stages.size === 0) ctx.log.warn(`apigateway: REST API ${api.name} has no stage, so it is not served`);
      const problems = unsupportedFeatures(model);
      if (problems.length > 0)
        throw new Error(
          `API Gateway: the template uses what the local gateway does not support:\n  - ${problems.join('\n  - ')}`,
        );
      gateway = new GatewayServer(ctx, cloud, model);
      const created = createServer(gateway.listener);
      // Clients keep connections alive between requests; shorter than node's default so stop() is not held up.
      created.keepAliveTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        created.once('error', (e: NodeJS.ErrnoException) =>
          reject(
            e.code === 'EADDRINUSE'
              ? new Error(`API Gateway: port ${ctx.apiPort} is already in use; choose another API port`)
              : e,
          ),
        );
        created.listen(ctx.apiPort, () => resolve());
      });
      server = created;
      port = (created.address() as AddressInfo).port;
      for (const api of model.apis)
        for (const stage of api.stages.keys())
          ctx.log.info(`REST API ${api.name} (${api.id}) stage ${stage}: ${stageUrl(stage)}`);
    },

    async stop() {
      gateway?.telemetry.stop();
      await gateway?.telemetry.flush();
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
      });
    },

    localizeUrl(url) {
      const match = /^https:\/\/([^.]+)\.execute-api\.[^/]+\.amazonaws\.com\/([^/]+)(\/.*)?$/.exec(url);
      // Outputs may be localized before start(): link the model from what is provisioned so far.
      const linked = model ?? buildModel(resources, () => {});
      const api = match ? linked.apis.find((a) => a.id === match[1]) : undefined;
      const knownPort = port ?? (ctx.apiPort === 0 ? undefined : ctx.apiPort);
      if (!match || !api || knownPort === undefined) return undefined;
      const [, , stage = '', rest = '/'] = match;
      // The short form serves the first API with that stage; others are reached by their id.
      const first = linked.apis.find((a) => a.stages.has(stage));
      return first === api
        ? `http://localhost:${knownPort}/${stage}${rest}`
        : `http://localhost:${knownPort}/restapis/${api.id}/${stage}/_user_request_${rest}`;
    },

    info() {
      if (!model || port === undefined) return {};
      const facts: Record<string, string> = {};
      for (const api of model.apis) {
        for (const stage of api.stages.keys()) {
          facts.apiUrl ??= stageUrl(stage);
          facts[`apiUrl.${api.logicalId}`] ??= stageUrl(stage);
          facts[`apiUrl.${api.logicalId}.${stage}`] = stageUrl(stage);
          facts[`apiId.${api.logicalId}`] = api.id;
        }
      }
      for (const key of model.apiKeys) facts[`apiKey.${key.name}`] = key.value;
      facts.apiPort = String(port);
      return facts;
    },

    model: () => model,
    accessLogs: () => gateway?.telemetry.accessLogs() ?? [],
    authorizerInvocations: () => gateway?.authorizers.invocations ?? new Map(),
    stageUrl,
  };
};
