import { expect, test } from 'vitest';
import { toHistoryRun } from '../../../src/history/history-record.js';
import { lastSuccessKey, renderMetrics, renderMetricsPerDrill } from '../../../src/report/metrics-registry.js';
import { failing, passing, runOf, suite } from '../history/run-fixture.js';

const value = (text: string, name: string, drill: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`drill="${drill}"`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

test('a passing and a failing drill: success, timings, RPO, backup age, failed checks, objectives, per suite and drill', async () => {
  const text = await renderMetrics([toHistoryRun(suite, runOf(passing, failing), 'ci-1')], new Map());
  expect(text).toContain('pgdrill_drill_success{suite="nightly",drill="orders-pitr"} 1');
  expect(value(text, 'pgdrill_drill_success', 'orders-dump')).toBe(0);
  expect(value(text, 'pgdrill_drill_last_success_timestamp_seconds', 'orders-pitr')).toBe(
    Date.parse(passing.finishedAt) / 1000,
  );
  expect(value(text, 'pgdrill_drill_last_success_timestamp_seconds', 'orders-dump')).toBeUndefined();
  expect(value(text, 'pgdrill_drill_restore_seconds', 'orders-pitr')).toBe(95.5);
  expect(value(text, 'pgdrill_drill_replay_seconds', 'orders-pitr')).toBe(40);
  expect(value(text, 'pgdrill_drill_rpo_seconds', 'orders-pitr')).toBe(300);
  // the newest object (the WAL segment at 02:00) against the drill start at 03:00
  expect(value(text, 'pgdrill_drill_backup_age_seconds', 'orders-pitr')).toBe(3600);
  expect(value(text, 'pgdrill_drill_failed_checks', 'orders-dump')).toBe(1);
  expect(value(text, 'pgdrill_drill_rpo_objective_seconds', 'orders-dump')).toBe(900);
  expect(text).toMatch(/^# HELP pgdrill_drill_success /m);
  expect(text).toMatch(/^# TYPE pgdrill_drill_success gauge$/m);
});

test('a failing drill keeps the last success it is given (from history or the previous file)', async () => {
  const known = new Map([[lastSuccessKey('nightly', 'orders-dump'), 1_790_000_000]]);
  const text = await renderMetrics([toHistoryRun(suite, runOf(failing))], known);
  expect(value(text, 'pgdrill_drill_last_success_timestamp_seconds', 'orders-dump')).toBe(1_790_000_000);
});

test('label values are escaped; one text per drill for Pushgateway groups', async () => {
  const odd = { ...failing, name: 'a"b\\c' };
  const groups = await renderMetricsPerDrill(
    [toHistoryRun({ ...suite, name: 'night/ly' }, runOf(passing, odd))],
    new Map(),
  );
  expect(groups.map((g) => [g.suite, g.drill])).toEqual([
    ['night/ly', 'orders-pitr'],
    ['night/ly', 'a"b\\c'],
  ]);
  expect(groups[1]!.text).toContain('drill="a\\"b\\\\c"');
  expect(groups[0]!.text).not.toContain('a\\"b');
});
