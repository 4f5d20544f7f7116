import { z } from 'zod';
import { completePeriodsBefore, describePeriod, type PeriodUnit } from '../inventory/calendar-periods.js';
import { requireInventory } from '../inventory/inventory.js';
import { defineCheck } from './check.js';

const count = (what: string) =>
  z.number().int().positive().optional().describe(`At least one backup in each of the last N complete ${what} (UTC).`);

const retentionOptions = z
  .strictObject({
    daily: count('days'),
    weekly: count('ISO weeks (Monday to Sunday)'),
    monthly: count('calendar months'),
    yearly: count('calendar years'),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'give at least one of daily, weekly, monthly, yearly');

export type RetentionOptions = z.output<typeof retentionOptions>;

const UNITS: [keyof RetentionOptions, PeriodUnit][] = [
  ['daily', 'day'],
  ['weekly', 'week'],
  ['monthly', 'month'],
  ['yearly', 'year'],
];

export const retentionCheck = defineCheck({
  type: 'retention',
  kind: 'inventory',
  description:
    'Inventory (no restore): the backups kept satisfy a retention policy such as daily for 30 days, weekly for 12 weeks, monthly for 12 months; every period without a backup is listed. The current, unfinished period is not judged (freshness does that).',
  options: retentionOptions,
  label: (o) =>
    `retention ${UNITS.filter(([k]) => o[k] !== undefined)
      .map(([k]) => `${k} ${o[k]}`)
      .join(', ')}`,
  async run(context, options) {
    const inventory = requireInventory(context.inventory, 'retention');
    const now = context.now ?? new Date();
    const times = inventory.backups.map((b) => b.time.getTime());
    const missingByUnit: string[][] = [];
    const summary: string[] = [];
    for (const [key, unit] of UNITS) {
      const n = options[key];
      if (n === undefined) continue;
      const periods = completePeriodsBefore(unit, now, n);
      const empty = periods.filter((p) => !times.some((t) => t >= p.start.getTime() && t < p.end.getTime()));
      summary.push(`${key} ${n - empty.length}/${n}`);
      // Oldest first reads like a calendar.
      missingByUnit.push(empty.reverse().map((p) => `no backup in ${describePeriod(p)}`));
    }
    // A missing month or week says more than the days inside it: the largest periods come first.
    const missing = missingByUnit.reverse().flat();
    const expected = UNITS.filter(([k]) => options[k] !== undefined)
      .map(([k]) => `${k} ${options[k]}`)
      .join(', ');
    const oldest = inventory.backups[0];
    const span = oldest ? `${inventory.backups.length} backups since ${oldest.time.toISOString()}` : 'no backup';
    if (missing.length === 0)
      return {
        status: 'passed',
        message: `every period of the policy (${expected}) has a backup: ${span} in ${inventory.where}`,
        expected,
        actual: summary.join(', '),
      };
    const shown = missing.slice(0, 3).join('; ');
    return {
      status: 'failed',
      message: `${missing.length} period${missing.length === 1 ? '' : 's'} without a backup: ${shown}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} (${span} in ${inventory.where})`,
      expected,
      actual: summary.join(', '),
      details: [...missing, ...(inventory.status ? [inventory.status] : []), ...inventory.ignored],
    };
  },
});
