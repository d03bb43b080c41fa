/**
 * DynamoDB PutItem throughput through the edge vs straight to dynalite's own HTTP server, with concurrent SDK
 * clients, both in memory. Used by the local bench suite; also runnable alone:
 * `npx tsx test/local/support/dynamodb-throughput.ts [clients] [seconds]`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { startLocalCloud } from '../../../local/cloud';
import { clientConfig, memoryLogger } from './cloud';

export interface ThroughputResult {
  readonly putsPerSecond: number;
  readonly p50Ms: number;
}

const TABLE = 'bench-puts';

/** Run `clients` concurrent SDK clients putting items for `seconds` against `endpoint`. */
export const measurePuts = async (endpoint: string, clients: number, seconds: number): Promise<ThroughputResult> => {
  const sdk = Array.from({ length: clients }, () => new DynamoDBClient(clientConfig(endpoint)));
  const first = sdk[0] as DynamoDBClient;
  await first
    .send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    .catch((e: Error) => {
      if (e.name !== 'ResourceInUseException') throw e;
    });
  await waitUntilTableExists({ client: first, maxWaitTime: 30, minDelay: 1 }, { TableName: TABLE });
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  const worker = async (client: DynamoDBClient, w: number): Promise<void> => {
    while (Date.now() < deadline) {
      const t = performance.now();
      await client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: {
            id: { S: `w${w}-${n++}` },
            status: { S: 'PLACED' },
            totalCents: { N: '1250' },
            note: { S: 'x'.repeat(200) },
          },
        }),
      );
      latencies.push(performance.now() - t);
    }
  };
  const start = performance.now();
  await Promise.all(sdk.map(worker));
  const elapsed = (performance.now() - start) / 1000;
  for (const c of sdk) c.destroy();
  latencies.sort((a, b) => a - b);
  return { putsPerSecond: latencies.length / elapsed, p50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0 };
};

/** Straight to dynalite's HTTP server (in memory). */
export const measureDynalite = async (clients: number, seconds: number): Promise<ThroughputResult> => {
  const server: Server = dynalite({ createTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    return await measurePuts(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, clients, seconds);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
};

/** Through the local cloud's edge (DynamoDB service only, in memory). */
export const measureEdge = async (clients: number, seconds: number): Promise<ThroughputResult> => {
  const local = await startLocalCloud({
    template: { Resources: {} },
    inMemory: true,
    edgePort: 0,
    outputsFile: false,
    services: ['dynamodb'],
    log: memoryLogger(),
  });
  try {
    return await measurePuts(local.endpoint, clients, seconds);
  } finally {
    await local.stop();
  }
};

/** Alternate the two, `rounds` times each, and keep the median of each. */
export const compareDynamoDbPuts = async (clients = 16, seconds = 5, rounds = 3) => {
  const edge: ThroughputResult[] = [];
  const direct: ThroughputResult[] = [];
  for (let i = 0; i < rounds; i++) {
    direct.push(await measureDynalite(clients, seconds));
    edge.push(await measureEdge(clients, seconds));
  }
  const median = (xs: ThroughputResult[]): ThroughputResult =>
    [...xs].sort((a, b) => a.putsPerSecond - b.putsPerSecond)[Math.floor(xs.length / 2)] as ThroughputResult;
  const e = median(edge);
  const d = median(direct);
  return { edge: e, dynalite: d, overheadPercent: (1 - e.putsPerSecond / d.putsPerSecond) * 100 };
};

if (require.main === module) {
  const [clients, seconds] = process.argv.slice(2).map(Number);
  void compareDynamoDbPuts(clients || 16, seconds || 5).then((r) => {
    console.log(`DynamoDB PutItem, ${clients || 16} SDK clients, in memory (median of 3 rounds):`);
    console.log(`  through the edge : ${r.edge.putsPerSecond.toFixed(0)}/s, p50 ${r.edge.p50Ms.toFixed(1)} ms`);
    console.log(`  straight dynalite: ${r.dynalite.putsPerSecond.toFixed(0)}/s, p50 ${r.dynalite.p50Ms.toFixed(1)} ms`);
    console.log(`  overhead         : ${r.overheadPercent.toFixed(1)}%`);
  });
}
