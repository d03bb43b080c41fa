/**
 * Agreement with real AWS: replays the Step Functions executions recorded from AWS (../shared/conformance,
 * LocalStack's snapshot recordings, Apache-2.0) on the local engine and compares status, output, error,
 * cause and the full history (event types, ids, previousEventId, details). Cases with Tasks are replayed
 * with the recorded resource answers played back: they check the engine, not a local resource.
 */
import { join } from 'node:path';
import {
  defaultConformanceRoot,
  describeFigures,
  type Figures,
  runConformance,
} from '../../../local/stepfunctions/conformance/cases';
import { compareHistories, type Json } from '../../../local/stepfunctions/conformance/compare';
import { playback, recordedCalls } from '../../../local/stepfunctions/conformance/playback';
import { TokenRegistry } from '../../../local/stepfunctions/engine/tokens';
import { StatesError } from '../../../local/stepfunctions/errors';
import { fakeIntegrations } from '../../../local/stepfunctions/integrations';
import { runDefinition } from '../../../local/stepfunctions/run-definition';

const root = defaultConformanceRoot(join(__dirname, '..', '..', '..'));

// The figures reached so far; a regression below them fails the build. Raise them as the engine improves.
const FLOOR: { noResource: Figures; playedBack: Figures } = {
  noResource: { replayed: 404, outcomeAgree: 401, historyAgree: 400 },
  playedBack: { replayed: 209, outcomeAgree: 207, historyAgree: 200 },
};

(root ? describe : describe.skip)('AWS-recorded Step Functions executions', () => {
  it('agrees with AWS on at least the recorded share of replayable executions', async () => {
    // Act
    const report = await runConformance(root as string);
    // Assess
    console.log(
      `Step Functions conformance, ${report.total} recorded histories; skipped ${JSON.stringify(report.skipped)}\n` +
        `without AWS resources: ${describeFigures(report.noResource)}\n` +
        `resources played back from the recording: ${describeFigures(report.playedBack)}\n` +
        `differing: ${report.failures.map((f) => `${f.id.split('::').slice(-1)[0]} (${f.difference?.slice(0, 160)})`).join('; ')}`,
    );
    for (const kind of ['noResource', 'playedBack'] as const) {
      expect(report[kind].replayed).toBeGreaterThanOrEqual(FLOOR[kind].replayed);
      expect(report[kind].outcomeAgree).toBeGreaterThanOrEqual(FLOOR[kind].outcomeAgree);
      expect(report[kind].historyAgree).toBeGreaterThanOrEqual(FLOOR[kind].historyAgree);
    }
  }, 60_000);
});

describe('playback of recorded resource answers', () => {
  const retried = {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f', 'Payload.$': '$' },
        Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, MaxAttempts: 1 }],
        End: true,
      },
    },
  };
  const record = async (definition: object) => {
    let calls = 0;
    const integrations = fakeIntegrations({
      'lambda:invoke': () => {
        calls++;
        if (calls === 1) throw new StatesError('Boom', 'first attempt');
        return { Payload: { ok: calls } };
      },
    });
    const run = await runDefinition(definition as never, { n: 1 }, { integrations, timeScale: 10_000 });
    return run.history as unknown as Json[];
  };

  it('answers each call of a resource with the recorded answer in turn, so a retried Task replays alike', async () => {
    // Prepare
    const recorded = await record(retried);
    const played = playback(recordedCalls(recorded));
    // Act
    const replay = await runDefinition(retried as never, { n: 1 }, { ...played, timeScale: 10_000 });
    // Assess
    expect(recordedCalls(recorded).map((c) => c.answer?.kind)).toEqual(['failed', 'succeeded']);
    expect(replay.output).toEqual({ Payload: { ok: 2 } });
    expect(compareHistories(recorded, replay.history)).toBeUndefined();
    expect(played.unused()).toEqual([]);
  });

  it('reports the TaskScheduled event when the engine sends other parameters than recorded', async () => {
    // Prepare
    const recorded = await record(retried);
    const changed = structuredClone(retried);
    changed.States.Call.Parameters = { FunctionName: 'f', 'Payload.$': '$.n' };
    const played = playback(recordedCalls(recorded));
    // Act
    const replay = await runDefinition(changed as never, { n: 1 }, { ...played, timeScale: 10_000 });
    // Assess
    expect(compareHistories(recorded, replay.history)).toMatch(/TaskScheduled.*parameters\.Payload/);
  });

  it('answers a callback task through its token after the recorded submission', async () => {
    // Prepare
    const callback = {
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: 'q', MessageBody: { 'Token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    const tokens = new TokenRegistry();
    const integrations = fakeIntegrations({
      'sqs:sendMessage': (req) => {
        const token = (req.parameters as { MessageBody: { Token: string } }).MessageBody.Token;
        setImmediate(() => tokens.get(token)?.succeed({ done: true }));
        return { MessageId: 'm-1' };
      },
    });
    const original = await runDefinition(callback as never, {}, { integrations, tokens, timeScale: 10_000 });
    const recorded = (original.history as unknown as Json[]).map((e) =>
      // A recording masks the token, as AWS's do.
      e.type === 'TaskScheduled'
        ? {
            ...e,
            taskScheduledEventDetails: {
              ...(e.taskScheduledEventDetails as Json),
              parameters: '{"QueueUrl":"q","MessageBody":{"Token":"<task_token:1>"}}',
            },
          }
        : e,
    );
    // Act
    const replay = await runDefinition(
      callback as never,
      {},
      { ...playback(recordedCalls(recorded)), timeScale: 10_000 },
    );
    // Assess
    expect(recorded.map((e) => e.type)).toContain('TaskSubmitted');
    expect(replay.output).toEqual({ done: true });
    expect(compareHistories(recorded, replay.history)).toBeUndefined();
  });
});

if (!root) {
  test.skip('AWS-recorded conformance data not found beside the repository (../shared/conformance): skipped', () => {});
}
