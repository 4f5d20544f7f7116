import { completePeriodsBefore, type PeriodUnit } from '../inventory/calendar-periods.js';

/**
 * A freshness limit from how often backups arrive: the median gap plus 10 %, in whole hours (26h for a
 * single backup: the usual nightly job with slack).
 */
export function suggestMaxAge(times: Date[]): string {
  const sorted = times.map((t) => t.getTime()).sort((a, b) => a - b);
  const gaps = sorted
    .slice(1)
    .map((t, i) => t - sorted[i]!)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  if (gaps.length === 0) return '26h';
  const median = gaps[Math.floor(gaps.length / 2)]!;
  return `${Math.max(1, Math.ceil((median * 1.1) / 3_600_000))}h`;
}

const POLICY: [key: 'daily' | 'weekly' | 'monthly', unit: PeriodUnit, cap: number][] = [
  ['daily', 'day', 30],
  ['weekly', 'week', 12],
  ['monthly', 'month', 12],
];

/**
 * The retention the backups already show: for each unit, how many complete periods in a row (back from
 * the last complete one) hold a backup, when at least two do. A suite written from it passes today and
 * fails when a period goes missing.
 */
export function suggestRetention(
  times: Date[],
  now: Date,
): { daily?: number; weekly?: number; monthly?: number } | undefined {
  const ms = times.map((t) => t.getTime());
  const policy: { daily?: number; weekly?: number; monthly?: number } = {};
  for (const [key, unit, cap] of POLICY) {
    let run = 0;
    for (const p of completePeriodsBefore(unit, now, cap)) {
      if (!ms.some((t) => t >= p.start.getTime() && t < p.end.getTime())) break;
      run++;
    }
    if (run >= 2) policy[key] = run;
  }
  return Object.keys(policy).length > 0 ? policy : undefined;
}
