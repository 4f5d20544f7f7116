import { expect, test } from 'vitest';
import { formatHistory } from '../../../src/history/format-history.js';
import { parseHistoryRun, toHistoryRun, type HistoryRun } from '../../../src/history/history-record.js';
import { lastSuccessFromHistory } from '../../../src/history/last-success.js';
import { median, sparkline, summarizeHistory } from '../../../src/history/history-summary.js';
import { lastSuccessKey } from '../../../src/report/metrics-registry.js';
import { failing, passing, runOf, suite } from './run-fixture.js';

const day = (n: number, drill = passing, restoreSeconds?: number): HistoryRun => {
  const at = (iso: string) => iso.replace('2026-11-20', `2026-11-${String(n).padStart(2, '0')}`);
  const d = {
    ...drill,
    startedAt: at(drill.startedAt),
    finishedAt: at(drill.finishedAt),
    restoreSeconds: restoreSeconds ?? drill.restoreSeconds,
  };
  return toHistoryRun(suite, { ...runOf(d), startedAt: at('2026-11-20T03:00:00.000Z') }, 'ci');
};

test('median, and a sparkline from the smallest to the largest value', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 2, 3])).toBe(2.5);
  expect(median([])).toBeUndefined();
  expect(sparkline([10, 20, 30, 40])).toBe('▁▃▆█');
  expect(sparkline([5, undefined, 5])).toBe('▄·▄');
});

test('per drill: last status, last pass, the trend of the newest N restore times', () => {
  const runs = [
    day(10, passing, 90),
    day(11, passing, 100),
    day(12, passing, 120),
    day(13, { ...passing, status: 'failed', restoreSeconds: undefined }),
  ];
  const [summary] = summarizeHistory(runs, { last: 3 });
  expect(summary!.runs).toBe(4);
  expect(summary!.last.status).toBe('failed');
  expect(summary!.lastPassed?.finishedAt).toBe('2026-11-12T03:02:00.000Z');
  expect(summary!.restoreSeconds).toEqual([100, 120, undefined]);
  expect(summary!.medianRestoreSeconds).toBe(110);
  const text = formatHistory(
    'history of nightly',
    summarizeHistory(runs, { last: 3 }),
    new Date('2026-11-14T03:02:00Z'),
  );
  expect(text).toContain('last status   ✗ failed at 2026-11-13 03:02:00Z');
  expect(text).toContain('last passed   2026-11-12 03:02:00Z (2d ago)');
  expect(text).toMatch(/restore time {2}last 3: 1m 40s 2m – · median 1m 50s · ▁█·/);
});

test('--drill filters; a drill that never passed says never', () => {
  const runs = [day(10, failing), day(11, passing)];
  const summaries = summarizeHistory(runs, { drill: 'orders-dump' });
  expect(summaries.map((s) => s.drill)).toEqual(['orders-dump']);
  expect(formatHistory('h', summaries)).toMatch(/last passed {3}never/);
  expect(formatHistory('h', summarizeHistory(runs, { drill: 'nope' }))).toContain('no runs recorded yet');
});

test('the last success per drill comes from the newest passed run; records round-trip and newer versions are skipped', () => {
  const runs = [day(10), day(12), day(11)];
  expect(lastSuccessFromHistory(runs).get(lastSuccessKey('nightly', 'orders-pitr'))).toBe(
    Date.parse('2026-11-12T03:02:00.000Z') / 1000,
  );
  expect(parseHistoryRun(JSON.stringify(runs[0]))).toEqual(runs[0]);
  expect(parseHistoryRun(JSON.stringify({ ...runs[0], version: 99 }))).toBeUndefined();
  expect(parseHistoryRun('not json')).toBeUndefined();
});
