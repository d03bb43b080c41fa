/**
 * Schedule expressions of scheduled rules: `rate(n unit)` and `cron(min hour day-of-month month day-of-week year)`
 * in UTC, as EventBridge reads them. Pure: `nextRun` answers the next time after a given one.
 */

/** A valid expression the local cloud cannot run (it is accepted, and never fires). */
export class UnsupportedScheduleError extends Error {
  override readonly name = 'UnsupportedScheduleError';
}

/** A parsed schedule: the next run strictly after `after`, or undefined when there is none. */
export interface Schedule {
  nextRun(after: Date): Date | undefined;
}

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Values a cron field allows; undefined for `?` / `*` (any). */
const field = (text: string, min: number, max: number, names: string[] = [], offset = 1): Set<number> | undefined => {
  if (text === '*' || text === '?') return undefined;
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + offset : Number(token);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`bad cron value ${token}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad cron step ${part}`);
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? (range.split('-').map(value) as [number, number])
          : [value(range), stepText === undefined ? value(range) : max];
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
};

const parseCron = (body: string): Schedule => {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error('cron needs 6 fields');
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  // Last day (`L`), nearest weekday (`W`) and nth weekday (`#`): valid for AWS, not computed here.
  if (/[LW]/i.test(dom) || dow.includes('#') || /(^|[\d,])L$|^L/i.test(dow))
    throw new UnsupportedScheduleError('L, W and # are not supported locally');
  if ((dom === '?') === (dow === '?')) throw new Error('exactly one of day-of-month and day-of-week must be ?');
  const minuteSet = field(minutes, 0, 59);
  const hourSet = field(hours, 0, 23);
  const domSet = field(dom, 1, 31);
  const monthSet = field(month, 1, 12, MONTHS);
  const dowSet = field(dow, 1, 7, DAYS);
  const yearSet = field(year, 1970, 2199);
  const ok = (set: Set<number> | undefined, v: number) => set === undefined || set.has(v);
  return {
    nextRun: (after) => {
      const t = new Date(after.getTime());
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      // Step by the coarsest unit that fails (month, day, hour, minute) over at most a few years.
      const limit = after.getTime() + 5 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!ok(yearSet, t.getUTCFullYear()) || !ok(monthSet, t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!ok(domSet, t.getUTCDate()) || !ok(dowSet, t.getUTCDay() + 1)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!ok(hourSet, t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!ok(minuteSet, t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else return new Date(t.getTime());
      }
      return undefined;
    },
  };
};

/**
 * Parses a schedule expression; throws on one EventBridge would reject or the local cloud cannot run.
 * @param timeScale rates are divided by it (cron stays on the wall clock)
 */
export const parseSchedule = (expression: string, timeScale = 1): Schedule => {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate) {
    const unit = rate[2]!.replace(/s$/, '');
    const every = (Number(rate[1]) * UNIT_MS[unit]!) / (timeScale > 0 ? timeScale : 1);
    if (every <= 0) throw new Error('rate must be positive');
    return { nextRun: (after) => new Date(after.getTime() + every) };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return parseCron(cron[1]!);
  throw new Error(`not a schedule expression: ${expression}`);
};
