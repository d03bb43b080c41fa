import { createApiGatewayService } from '../../../local/apigateway/index.ts';
import {
  API_ID,
  FakeCloud,
  fnArn,
  functions,
  method,
  path,
  proxy,
  ROOT_ID,
  res,
  STAGE,
  startGateway,
} from './fixture.ts';

const api = res('Api', 'RestApi', { Name: 'checks' }, API_ID, { RootResourceId: ROOT_ID });
const stage = (variables: Record<string, string> = {}) =>
  res('Stage', 'Stage', { StageName: STAGE, DeploymentId: 'd', Variables: variables }, STAGE);

it('refuses to start on an integration it cannot emulate, naming the method', async () => {
  const cloud = new FakeCloud(functions);
  const service = await createApiGatewayService(cloud.ctx, cloud);
  await service.provision?.([
    api,
    stage(),
    path('r-x', ROOT_ID, 'x'),
    method('XGet', 'r-x', 'GET', { Type: 'HTTP_PROXY', ConnectionType: 'VPC_LINK', Uri: 'http://nlb/x' }),
  ]);
  await expect(service.start?.()).rejects.toThrow(/checks GET \/x \(XGet\): VPC link/);
});

it('declares the properties it does not emulate so the template layer refuses them', async () => {
  const cloud = new FakeCloud(functions);
  const service = await createApiGatewayService(cloud.ctx, cloud);
  expect(service.unsupportedProperties?.['AWS::ApiGateway::RestApi']).toContain('Body');
});

it('resolves ${stageVariables.x} in a Lambda integration URI per request', async () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's own stage-variable syntax, not a JS template
  const uri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn('${stageVariables.fn}')}/invocations`;
  const gw = await startGateway([
    api,
    stage({ fn: 'echo' }),
    path('r-v', ROOT_ID, 'v'),
    method('VGet', 'r-v', 'GET', { ...proxy('echo'), Uri: uri }),
  ]);
  try {
    const response = await fetch(gw.url('/v'));
    expect(response.status).toBe(200);
    expect(gw.cloud.invocations.get(fnArn('echo'))).toBe(1);
  } finally {
    await gw.stop();
  }
});

it('says which port is taken when the API port is in use', async () => {
  const first = await startGateway([api, stage()]);
  const port = Number(first.service.info?.().apiPort);
  const cloud = new FakeCloud(functions);
  const second = await createApiGatewayService({ ...cloud.ctx, apiPort: port }, cloud);
  await second.provision?.([api, stage()]);
  try {
    await expect(second.start?.()).rejects.toThrow(`port ${port} is already in use`);
  } finally {
    await first.stop();
  }
});
