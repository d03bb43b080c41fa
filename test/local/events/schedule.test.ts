import { parseSchedule, UnsupportedScheduleError } from '../../../local/events/schedule';

const next = (expression: string, after: string) => parseSchedule(expression).nextRun(new Date(after))?.toISOString();

describe('schedule expressions', () => {
  it('runs a rate every period after the last run, divided by the time scale', () => {
    expect(next('rate(5 minutes)', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(parseSchedule('rate(1 hour)', 60).nextRun(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-01-01T00:01:00.000Z',
    );
  });

  it.each([
    ['cron(0 12 * * ? *)', '2026-01-01T13:00:00Z', '2026-01-02T12:00:00.000Z'],
    ['cron(15 10 ? * MON-FRI *)', '2026-01-03T00:00:00Z', '2026-01-05T10:15:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-01-01T10:07:00Z', '2026-01-01T10:15:00.000Z'],
    ['cron(0 8 1 * ? *)', '2026-01-15T00:00:00Z', '2026-02-01T08:00:00.000Z'],
    ['cron(30 6 ? JUN 1 2027)', '2026-01-01T00:00:00Z', '2027-06-06T06:30:00.000Z'],
    ['cron(0 9 ? JUL WED *)', '2026-01-01T00:00:00Z', '2026-07-01T09:00:00.000Z'],
  ])('%s after %s runs at %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it.each(['cron(0 12 * * 1 *)', 'cron(0 12 * *)', 'rate(0 minutes)', 'rate(5 weeks)', 'every 5 minutes'])(
    'rejects %s',
    (expression) => {
      expect(() => parseSchedule(expression)).toThrow();
    },
  );

  it.each(['cron(0 12 L * ? *)', 'cron(0 12 15W * ? *)', 'cron(0 12 ? * 6L *)', 'cron(0 12 ? * 3#2 *)'])(
    'knows %s is valid for AWS but does not run it',
    (expression) => {
      expect(() => parseSchedule(expression)).toThrow(UnsupportedScheduleError);
    },
  );
});
