import { z } from 'zod';
import { defineCheck } from './check.js';
import { formatDuration, isDuration, parseDuration } from '../util/duration.js';

const durationOptions = z.strictObject({
  max: z
    .union([z.string(), z.number().nonnegative()])
    .refine(isDuration, 'expected a duration like 90s, 15m, 1h30m, 2d or a number of seconds')
    .optional()
    .describe(
      "Longest acceptable time from drill start until the restored database was ready. Default: the suite's RTO.",
    ),
});

export type DurationOptions = z.output<typeof durationOptions>;

export const durationCheck = defineCheck({
  type: 'duration',
  description: "Compares how long the restore took with a limit, by default the suite's recovery time objective (RTO).",
  options: durationOptions,
  label: ({ max }) => `duration <= ${max === undefined ? 'RTO' : typeof max === 'number' ? `${max}s` : max.trim()}`,
  async run({ restoreSeconds, objectives }, options) {
    const took = `restore took ${formatTenths(restoreSeconds)}`;
    const limit = options.max === undefined ? objectives.rtoSeconds : parseDuration(options.max);
    if (limit === undefined) {
      return {
        status: 'failed',
        message: `${took} but there is no limit to compare with: set max on the duration check or objectives.rto in the suite`,
        expected: 'a limit (max or objectives.rto)',
        actual: formatTenths(restoreSeconds),
      };
    }
    const source = options.max === undefined ? "the suite's RTO" : 'max';
    return {
      status: restoreSeconds <= limit ? 'passed' : 'failed',
      message: `${took}, expected at most ${formatTenths(limit)} (${source} ${formatDuration(limit)})`,
      expected: `<= ${formatTenths(limit)}`,
      actual: formatTenths(restoreSeconds),
    };
  },
});

// Exact to a tenth of a second: `1m 30s` would hide that 90.4 s is over a 90 s limit.
function formatTenths(seconds: number): string {
  return `${Number(seconds.toFixed(1))} s`;
}
