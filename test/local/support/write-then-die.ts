/**
 * Child process for durability tests: starts a local cloud on a data folder with the given template, runs
 * `PutItem` for each item, prints `written`, then kills itself with SIGKILL (no clean stop, no flush).
 * `tsx write-then-die.ts <dataDir> <templateFile> <count>`
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalCloud } from '../../../local/cloud';
import { clientConfig, memoryLogger } from './cloud';

const [dataDir, templateFile, count] = process.argv.slice(2);

void (async () => {
  const local = await startLocalCloud({
    template: templateFile as string,
    stackName: 'Tables',
    dataDir: dataDir as string,
    edgePort: 0,
    services: ['dynamodb'],
    log: memoryLogger(),
  });
  const ddb = new DynamoDBClient(clientConfig(local.endpoint));
  const table = local.outputs.Tables?.OrdersTableName as string;
  for (let i = 0; i < Number(count); i++) {
    await ddb.send(new PutItemCommand({ TableName: table, Item: { orderId: { S: `killed-${i}` } } }));
  }
  process.stdout.write('written\n');
  process.kill(process.pid, 'SIGKILL');
})();
