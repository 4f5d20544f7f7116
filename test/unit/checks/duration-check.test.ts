import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../src/checks/check.js';
import { durationCheck } from '../../../src/checks/duration-check.js';

const db = { query: () => Promise.reject(new Error('the duration check does not query')) };
const run = (input: object, restoreSeconds: number, rtoSeconds?: number) => {
  const context: CheckContext = { db, database: 'app', restoreSeconds, objectives: { rtoSeconds }, suiteDir: '.' };
  return durationCheck.run(context, durationCheck.options.parse(input));
};

describe('duration', () => {
  it('accepts durations and seconds, rejects the rest', () => {
    expect(durationCheck.options.parse({ max: '15m' })).toEqual({ max: '15m' });
    expect(durationCheck.options.parse({ max: 90 })).toEqual({ max: 90 });
    expect(durationCheck.options.safeParse({ max: 'soon' }).error?.issues[0]?.message).toBe(
      'expected a duration like 90s, 15m, 1h30m, 2d or a number of seconds',
    );
    expect(durationCheck.options.safeParse({ max: -1 }).success).toBe(false);
    expect(durationCheck.options.safeParse({ rto: '1h' }).success).toBe(false);
  });

  it('labels with the limit as written, or RTO', () => {
    expect(durationCheck.label({ max: '1h30m' })).toBe('duration <= 1h30m');
    expect(durationCheck.label({ max: 90 })).toBe('duration <= 90s');
    expect(durationCheck.label({})).toBe('duration <= RTO');
  });

  it("defaults to the suite's RTO", async () => {
    expect(await run({}, 42.14, 3600)).toEqual({
      status: 'passed',
      message: "restore took 42.1 s, expected at most 3600 s (the suite's RTO 1h)",
      expected: '<= 3600 s',
      actual: '42.1 s',
    });
  });

  it('fails just over the limit, with a message precise enough to see why', async () => {
    expect(await run({ max: '90s' }, 90.4, 3600)).toMatchObject({
      status: 'failed',
      message: 'restore took 90.4 s, expected at most 90 s (max 1m 30s)',
    });
  });

  it('fails and says what to set when there is no limit', async () => {
    expect(await run({}, 12)).toMatchObject({
      status: 'failed',
      message:
        'restore took 12 s but there is no limit to compare with: set max on the duration check or objectives.rto in the suite',
    });
  });
});
