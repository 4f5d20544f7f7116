import { ConfigError } from '../errors.js';
import type { HistoryRun } from './history-record.js';

/** A period of history: runs that started at or after `since` and before `until`. */
export interface HistoryPeriod {
  since?: Date;
  /** Exclusive. */
  until?: Date;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `--since 2026-10-01 --until 2026-12-31`: dates are whole UTC days, the `until` day included (so a quarter
 * is written as its first and last day); full ISO times are taken as they are.
 */
export function parseHistoryPeriod(options: { since?: string; until?: string }): HistoryPeriod {
  const since = options.since === undefined ? undefined : parseBound('--since', options.since, false);
  const until = options.until === undefined ? undefined : parseBound('--until', options.until, true);
  if (since && until && since >= until)
    throw new ConfigError(
      'INVALID_OPTION',
      `--since ${options.since} is not before --until ${options.until}: the period is empty`,
      { hint: 'write the first and the last day of the period, e.g. --since 2026-10-01 --until 2026-12-31' },
    );
  return { since, until };
}

function parseBound(flag: string, text: string, endOfDay: boolean): Date {
  const trimmed = text.trim();
  const dateOnly = DATE_ONLY.test(trimmed);
  const at = new Date(dateOnly ? `${trimmed}T00:00:00.000Z` : trimmed);
  if (Number.isNaN(at.getTime()) || (dateOnly && at.toISOString().slice(0, 10) !== trimmed))
    throw new ConfigError('INVALID_OPTION', `${flag} ${text} is not a date`, {
      hint: `write a day (${flag} 2026-10-01) or an ISO time (${flag} 2026-10-01T00:00:00Z)`,
    });
  return dateOnly && endOfDay ? new Date(at.getTime() + 86_400_000) : at;
}

/** The runs that started within the period, oldest first. */
export function runsInPeriod(runs: HistoryRun[], period: HistoryPeriod): HistoryRun[] {
  return runs
    .filter((run) => {
      const at = Date.parse(run.startedAt);
      return (!period.since || at >= period.since.getTime()) && (!period.until || at < period.until.getTime());
    })
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** `2026-10-01 to 2026-12-31` · `since 2026-10-01` · `all recorded runs` */
export function describePeriod(period: HistoryPeriod): string {
  // An exclusive midnight `until` reads as the last day included.
  const day = (d: Date, end = false) => {
    const at = end && d.toISOString().endsWith('T00:00:00.000Z') ? new Date(d.getTime() - 86_400_000) : d;
    const iso = at.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  };
  if (period.since && period.until) return `${day(period.since)} to ${day(period.until, true)}`;
  if (period.since) return `since ${day(period.since)}`;
  if (period.until) return `until ${day(period.until, true)}`;
  return 'all recorded runs';
}
