import { describe, expect, test } from 'vitest';
import {
  completePeriodsBefore,
  describePeriod,
  isoWeekLabel,
  periodOf,
} from '../../../src/inventory/calendar-periods.js';

const at = (iso: string) => new Date(iso);

describe('calendar periods (UTC)', () => {
  test('ISO weeks run Monday to Sunday and belong to the year of their Thursday', () => {
    expect(isoWeekLabel(at('2026-10-26T00:00:00Z'))).toBe('2026-W44');
    expect(isoWeekLabel(at('2026-11-01T23:59:59Z'))).toBe('2026-W44');
    expect(isoWeekLabel(at('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeekLabel(at('2024-12-30T12:00:00Z'))).toBe('2025-W01');
  });

  test('a week is described with its first and last day', () => {
    expect(describePeriod(periodOf('week', at('2026-10-29T10:00:00Z')))).toBe(
      'week 2026-W44 (2026-10-26 … 2026-11-01)',
    );
    expect(describePeriod(periodOf('day', at('2026-11-03T23:00:00Z')))).toBe('day 2026-11-03');
    expect(describePeriod(periodOf('month', at('2026-02-28T23:00:00Z')))).toBe('month 2026-02');
  });

  test('complete periods exclude the one still running, newest first', () => {
    const now = at('2026-11-20T14:30:00Z');
    expect(completePeriodsBefore('day', now, 2).map(describePeriod)).toEqual(['day 2026-11-19', 'day 2026-11-18']);
    expect(completePeriodsBefore('week', now, 1).map(describePeriod)).toEqual([
      'week 2026-W46 (2026-11-09 … 2026-11-15)',
    ]);
    expect(completePeriodsBefore('month', now, 2).map(describePeriod)).toEqual(['month 2026-10', 'month 2026-09']);
    expect(completePeriodsBefore('year', now, 1).map(describePeriod)).toEqual(['year 2025']);
  });
});
