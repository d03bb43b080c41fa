/**
 * `npm run bench -- local`: what the local cloud costs, measured in one run through the real AWS SDK.
 * - DynamoDB PutItem/s with 16 concurrent clients through the edge, against dynalite's own server (the baseline);
 * - Lambda invocations/s warm (16 concurrent) and the cold-start time of a function;
 * - EventBridge PutEvents → rule → SQS target, messages delivered per second.
 */

import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalCloud } from '../local/cloud';
import type { LocalLogger } from '../local/core/types';
import { type Figure, percentile, report } from './report';

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const region = 'us-east-1';
const silent: LocalLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A template with one of each thing measured: a table, a function, a bus with a rule to a queue. */
const template = {
  Resources: {
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: 'bench',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      },
    },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
    },
    Echo: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'bench-echo',
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Timeout: 10,
        Code: { ZipFile: 'exports.handler = async (event) => ({ ok: true, echo: event });' },
      },
    },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'bench-bus' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'bench-queue' } },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['bench'], 'detail-type': ['Tick'] },
        Targets: [{ Id: 'q', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
      },
    },
  },
};

/** Runs `work(i)` `total` times with `concurrency` workers; returns ops/s and per-op latencies (ms). */
const load = async (total: number, concurrency: number, work: (i: number) => Promise<unknown>) => {
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        await work(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
};

const putItems = (endpoint: string, table: string, prefix: string, total: number) => {
  const clients = Array.from({ length: 16 }, () => new DynamoDBClient({ endpoint, region, credentials }));
  return load(total, 16, (i) =>
    (clients[i % 16] as DynamoDBClient).send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: `${prefix}-${i}` }, n: { N: String(i) } } }),
    ),
  );
};

/** dynalite's own HTTP server, in memory: the ceiling the local DynamoDB can reach. */
const dynaliteBaseline = async (total: number) => {
  const dynalite = require('dynalite') as (opts: object) => import('node:http').Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await new DynamoDBClient({ endpoint, region, credentials }).send(
      new CreateTableCommand({
        TableName: 'bench',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
    await putItems(endpoint, 'bench', 'warm', 200);
    return await putItems(endpoint, 'bench', 'run', total);
  } finally {
    await new Promise((r) => server.close(r));
  }
};

export const run = async (args: string[]): Promise<void> => {
  const scale = Number(args[0] ?? 1);
  const puts = Math.round(3000 * scale);
  const figures: Figure[] = [];

  const baseline = await dynaliteBaseline(puts);
  const local = await startLocalCloud({
    template,
    stackName: 'Bench',
    inMemory: true,
    edgePort: 0,
    apiPort: 0,
    log: silent,
  });
  try {
    const endpoint = local.endpoint;
    await putItems(endpoint, 'bench', 'warm', 200);
    const edge = await putItems(endpoint, 'bench', 'run', puts);
    figures.push(
      {
        name: 'DynamoDB PutItem, 16 clients, through the edge',
        value: edge.perSecond,
        unit: 'ops/s',
        peer: 'dynalite server alone',
        peerValue: baseline.perSecond,
        ratio: edge.perSecond / baseline.perSecond,
      },
      {
        name: 'DynamoDB PutItem p50 through the edge',
        value: edge.p50,
        unit: 'ms',
        peer: 'dynalite server alone',
        peerValue: baseline.p50,
        ratio: edge.p50 / baseline.p50,
      },
      {
        name: 'edge overhead on PutItem throughput',
        value: (1 - edge.perSecond / baseline.perSecond) * 100,
        unit: '%',
      },
    );

    const lambda = new LambdaClient({ endpoint, region, credentials });
    const invoke = () =>
      lambda.send(new InvokeCommand({ FunctionName: 'bench-echo', Payload: Buffer.from('{"n":1}') }));
    const c0 = performance.now();
    const first = await invoke();
    if (first.FunctionError) throw new Error(`bench-echo failed: ${Buffer.from(first.Payload ?? []).toString()}`);
    figures.push({
      name: 'Lambda cold start (first invoke, incl. process start)',
      value: performance.now() - c0,
      unit: 'ms',
    });
    await load(50, 4, invoke);
    const warm = await load(Math.round(1000 * scale), 16, invoke);
    figures.push(
      { name: 'Lambda warm invocations, 16 clients', value: warm.perSecond, unit: 'inv/s' },
      { name: 'Lambda warm invoke p50', value: warm.p50, unit: 'ms' },
    );

    const eb = new EventBridgeClient({ endpoint, region, credentials });
    const sqs = new SQSClient({ endpoint, region, credentials });
    const queueUrl = `${endpoint}/000000000000/bench-queue`;
    const events = Math.round(2000 * scale);
    const e0 = performance.now();
    const putting = load(events / 10, 8, (i) =>
      eb.send(
        new PutEventsCommand({
          Entries: Array.from({ length: 10 }, (_, j) => ({
            EventBusName: 'bench-bus',
            Source: 'bench',
            DetailType: 'Tick',
            Detail: JSON.stringify({ i: i * 10 + j }),
          })),
        }),
      ),
    );
    let received = 0;
    const deadline = Date.now() + 120_000;
    while (received < events && Date.now() < deadline) {
      const res = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const msgs = res.Messages ?? [];
      received += msgs.length;
      if (msgs.length > 0)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: msgs.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
    }
    await putting;
    figures.push({
      name: 'EventBridge PutEvents → rule → SQS, delivered and received',
      value: received / ((performance.now() - e0) / 1000),
      unit: 'msg/s',
    });
    if (received < events) console.warn(`only ${received}/${events} events arrived before the deadline`);
  } finally {
    await local.stop();
  }
  report('local', figures, { puts, scale });
};
