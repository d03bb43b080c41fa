import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startLocalCloud } from '../../../local/cloud';
import type { Service } from '../../../local/core/types';
import { UnsupportedTemplateError } from '../../../local/template';
import { clientConfig, memoryLogger, startTestCloud } from '../support/cloud';
import { tablesTemplate } from '../support/templates';

const portIsClosed = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('startLocalCloud', () => {
  it('serves the template on the endpoint it returns and closes it on stop', async () => {
    const local = await startTestCloud({ template: tablesTemplate(), stackName: 'Tables', services: ['dynamodb'] });
    const client = new DynamoDBClient(clientConfig(local.endpoint));
    const { TableNames } = await client.send(new ListTablesCommand({}));
    client.destroy();
    const port = local.edge.port;

    await local.stop();

    expect(TableNames).toContain('stock-test');
    expect(local.outputs.Tables?.StockTableName).toBe('stock-test');
    expect(await portIsClosed(port)).toBe(true);
  });

  it('fails before provisioning on an unsupported resource type, and releases its port', async () => {
    const template = { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } };
    const port = await freePort();

    const error = await startTestCloud({ template, services: ['dynamodb'], edgePort: port }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsupportedTemplateError);
    expect((error as Error).message).toContain('Bucket: resource type AWS::S3::Bucket is not supported');
    expect(await portIsClosed(port)).toBe(true);
  });

  it('names the service a type needs when the cloud runs without it', async () => {
    const template = { Resources: { Queue: { Type: 'AWS::SQS::Queue' } } };

    const error = await startTestCloud({ template, services: ['dynamodb'] }).catch((e: unknown) => e);

    expect((error as Error).message).toContain(
      'AWS::SQS::Queue needs the sqs service, which this local cloud was started without',
    );
  });

  it('lets services call each other by name or alias, and rejects unknown operations', async () => {
    const echo: Service = {
      name: 'states',
      protocol: 'json1.0',
      targetPrefix: 'AWSStepFunctions',
      operations: { Echo: async (input, ctx) => ({ input, caller: ctx.caller }) },
    };
    const local = await startTestCloud({
      template: tablesTemplate(),
      stackName: 'Tables',
      services: ['dynamodb', 'stepfunctions'],
      factories: { stepfunctions: () => echo },
    });
    try {
      const tables = await local.cloud.call<{ TableNames: string[] }>('dynamodb', 'ListTables', {});
      const echoed = await local.cloud.call('stepfunctions', 'Echo', { a: 1 }, 'events');

      expect(tables.TableNames).toContain('stock-test');
      expect(echoed).toEqual({ input: { a: 1 }, caller: 'events' });
      await expect(local.cloud.call('dynamodb', 'ExecuteStatement', {})).rejects.toMatchObject({
        code: 'UnknownOperationException',
      });
      await expect(local.cloud.call('kinesis', 'ListStreams', {})).rejects.toMatchObject({
        code: 'ServiceUnavailable',
      });
    } finally {
      await local.stop();
    }
  });

  it('writes the outputs file under the data folder by default', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dishpatch-cloud-'));
    try {
      const local = await startLocalCloud({
        template: tablesTemplate(),
        stackName: 'Tables',
        dataDir,
        edgePort: 0,
        services: ['dynamodb'],
        log: memoryLogger(),
      });
      await local.stop();

      expect(local.info.outputsFile).toBe(join(dataDir, 'outputs.json'));
      expect(existsSync(join(dataDir, 'outputs.json'))).toBe(true);
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
