/** Calendar periods (UTC) for retention policies: days, ISO weeks (Monday to Sunday), months, years. */
export type PeriodUnit = 'day' | 'week' | 'month' | 'year';

export interface Period {
  unit: PeriodUnit;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

const DAY_MS = 86_400_000;

/** The period of `unit` holding `at`. */
export function periodOf(unit: PeriodUnit, at: Date): Period {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const day = Date.UTC(y, m, at.getUTCDate());
  if (unit === 'day') return { unit, start: new Date(day), end: new Date(day + DAY_MS) };
  if (unit === 'week') {
    const monday = day - ((at.getUTCDay() + 6) % 7) * DAY_MS;
    return { unit, start: new Date(monday), end: new Date(monday + 7 * DAY_MS) };
  }
  if (unit === 'month') return { unit, start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  return { unit, start: new Date(Date.UTC(y, 0, 1)), end: new Date(Date.UTC(y + 1, 0, 1)) };
}

/**
 * The `count` complete periods before the one holding `now`, newest first. The current period is still
 * open (tonight's backup may not have run yet); how recent the newest backup is, is freshness's question.
 */
export function completePeriodsBefore(unit: PeriodUnit, now: Date, count: number): Period[] {
  const periods: Period[] = [];
  let current = periodOf(unit, now);
  for (let i = 0; i < count; i++) {
    current = periodOf(unit, new Date(current.start.getTime() - 1));
    periods.push(current);
  }
  return periods;
}

/** `day 2026-11-03`, `week 2026-W44 (2026-10-26 … 2026-11-01)`, `month 2026-10`, `year 2025`. */
export function describePeriod(period: Period): string {
  const date = (d: Date) => d.toISOString().slice(0, 10);
  if (period.unit === 'day') return `day ${date(period.start)}`;
  if (period.unit === 'week')
    return `week ${isoWeekLabel(period.start)} (${date(period.start)} … ${date(new Date(period.end.getTime() - DAY_MS))})`;
  if (period.unit === 'month') return `month ${period.start.toISOString().slice(0, 7)}`;
  return `year ${period.start.getUTCFullYear()}`;
}

/** ISO 8601 week of a date: the week belongs to the year of its Thursday. */
export function isoWeekLabel(at: Date): string {
  const thursday = new Date(
    Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) + (3 - ((at.getUTCDay() + 6) % 7)) * DAY_MS,
  );
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
