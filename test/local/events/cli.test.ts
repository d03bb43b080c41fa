/**
 * The AWS CLI against the local EventBridge and SQS through the edge, where a CLI is installed (skipped otherwise).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createEventsService } from '../../../local/events';
import { createSqsService } from '../../../local/sqs';
import { addService, startTestCloud, type TestCloud } from '../sqs/support';

const run = promisify(execFile);
const hasCli = (() => {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();
const describeCli = hasCli ? describe : describe.skip;

describeCli('AWS CLI against the local EventBridge and SQS', () => {
  let cloud: TestCloud;
  const aws = async (...args: string[]) => {
    const { stdout } = await run('aws', ['--endpoint-url', cloud.url, '--output', 'json', ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      timeout: 30_000,
    });
    return stdout.trim() ? JSON.parse(stdout) : {};
  };

  beforeAll(async () => {
    cloud = await startTestCloud();
    await addService(cloud, createSqsService);
    await addService(cloud, createEventsService);
  });
  afterAll(async () => cloud.close());

  it('routes put-events through a rule to a queue read with receive-message', async () => {
    const { QueueUrl } = await aws('sqs', 'create-queue', '--queue-name', 'cli-q');
    await aws('events', 'put-rule', '--name', 'cli-rule', '--event-pattern', '{"source":["cli.test"]}');
    await aws(
      'events',
      'put-targets',
      '--rule',
      'cli-rule',
      '--targets',
      'Id=q,Arn=arn:aws:sqs:us-east-1:000000000000:cli-q',
    );
    const put = await aws(
      'events',
      'put-events',
      '--entries',
      '[{"Source":"cli.test","DetailType":"t","Detail":"{\\"n\\":1}"}]',
    );
    expect(put.FailedEntryCount).toBe(0);
    const got = await aws('sqs', 'receive-message', '--queue-url', QueueUrl, '--wait-time-seconds', '5');
    expect(JSON.parse(got.Messages[0].Body)).toMatchObject({ source: 'cli.test', detail: { n: 1 } });
  }, 60_000);

  it('tests an event pattern', async () => {
    const event =
      '{"id":"1","source":"a","detail-type":"x","account":"1","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"n":5}}';
    const out = await aws(
      'events',
      'test-event-pattern',
      '--event',
      event,
      '--event-pattern',
      '{"detail":{"n":[{"numeric":[">",3]}]}}',
    );
    expect(out.Result).toBe(true);
  }, 30_000);
});
