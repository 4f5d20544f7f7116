import { describe, expect, test } from 'vitest';
import { describePeriod, parseHistoryPeriod, runsInPeriod } from '../../../src/history/history-period.js';
import { toHistoryRun, type HistoryRun } from '../../../src/history/history-record.js';
import { summarizePeriod } from '../../../src/history/period-summary.js';
import { periodControlTable } from '../../../src/report/evidence/period-controls.js';
import { renderPeriodHtml } from '../../../src/report/evidence/period-html.js';
import { renderPeriodMarkdown } from '../../../src/report/evidence/period-markdown.js';
import type { DrillResult } from '../../../src/results.js';
import { failing, passing, runOf, suite } from '../history/run-fixture.js';

/** One recorded run on a day, as a GitHub Actions job `runId` would record it. */
function runOn(date: string, runId: string, ...drills: DrillResult[]): HistoryRun {
  const shift = (iso: string) => iso.replace('2026-11-20', date);
  const run = runOf(...drills.map((d) => ({ ...d, startedAt: shift(d.startedAt), finishedAt: shift(d.finishedAt) })));
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/drills',
    GITHUB_RUN_ID: runId,
    GITHUB_SHA: `${runId}`.padEnd(40, '0'),
    GITHUB_REF_NAME: 'main',
    GITHUB_ACTOR: 'alice',
  };
  return toHistoryRun(
    suite,
    { ...run, startedAt: shift(run.startedAt), finishedAt: shift(run.finishedAt) },
    'runner-1',
    env,
  );
}

const q3 = runOn('2026-09-30', '100', passing);
const oct = runOn('2026-10-01', '101', passing, failing);
const nov = runOn('2026-11-20', '102', passing, { ...failing, status: 'passed', checks: [failing.checks[1]!] });
const lastDay = runOn('2026-12-31', '103', passing);
const q1 = runOn('2027-01-01', '104', passing);
const all = [q1, oct, q3, lastDay, nov];
const quarter = parseHistoryPeriod({ since: '2026-10-01', until: '2026-12-31' });

describe('the period', () => {
  test('days are whole UTC days, the last one included; ISO times are taken as they are', () => {
    expect(quarter.since?.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(quarter.until?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(describePeriod(quarter)).toBe('2026-10-01 to 2026-12-31');
    expect(runsInPeriod(all, quarter).map((r) => r.startedAt.slice(0, 10))).toEqual([
      '2026-10-01',
      '2026-11-20',
      '2026-12-31',
    ]);
    const noon = parseHistoryPeriod({ since: '2026-11-20T12:00:00Z' });
    expect(describePeriod(noon)).toBe('since 2026-11-20T12:00:00.000Z');
    expect(describePeriod({})).toBe('all recorded runs');
  });

  test('a date that is not one, or an empty period, is a usage error naming the flag', () => {
    expect(() => parseHistoryPeriod({ since: '2026-13-01' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: '--since 2026-13-01 is not a date' }),
    );
    expect(() => parseHistoryPeriod({ until: 'last quarter' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: '--until last quarter is not a date' }),
    );
    expect(() => parseHistoryPeriod({ since: '2026-12-31', until: '2026-10-01' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('the period is empty') }),
    );
  });
});

describe('summarizePeriod', () => {
  const summary = summarizePeriod(all, {
    period: quarter,
    source: 'out/history.jsonl',
    pgdrillVersion: '0.1.0',
    generatedAt: new Date('2027-01-02T09:00:00Z'),
  });

  test('every drill run of the period, oldest first, with its run context; counts per verdict', () => {
    expect(summary.runs).toBe(3);
    expect(summary.entries.map((e) => `${e.startedAt.slice(0, 10)} ${e.name} ${e.status}`)).toEqual([
      '2026-10-01 orders-pitr passed',
      '2026-10-01 orders-dump failed',
      '2026-11-20 orders-pitr passed',
      '2026-11-20 orders-dump passed',
      '2026-12-31 orders-pitr passed',
    ]);
    expect(summary.counts).toEqual({ passed: 4, failed: 1, error: 0 });
    expect(summary.entries[1]).toMatchObject({
      suite: 'nightly',
      backupKey: 'daily/orders.dump',
      host: 'runner-1',
      ci: { provider: 'github-actions', runId: '101', actor: 'alice' },
    });
  });

  test('per drill totals and the suite file versions the runs recorded', () => {
    expect(summary.drills).toEqual([
      expect.objectContaining({ drill: 'orders-pitr', runs: 3, passed: 3, failed: 0, medianRestoreSeconds: 95.5 }),
      expect.objectContaining({
        drill: 'orders-dump',
        runs: 2,
        passed: 1,
        failed: 1,
        lastPassedAt: expect.any(String),
      }),
    ]);
    // The fixture's suite file does not exist here: recorded as unreadable, once for all three runs.
    expect(summary.suiteFiles).toEqual([
      expect.objectContaining({ path: '/suites/nightly.yaml', problem: 'not readable (ENOENT)', runs: 3 }),
    ]);
  });

  test('--drill keeps only that drill', () => {
    const one = summarizePeriod(all, { period: quarter, source: 's', pgdrillVersion: 'v', drill: 'orders-dump' });
    expect(one.entries.map((e) => e.name)).toEqual(['orders-dump', 'orders-dump']);
    expect(one.runs).toBe(2);
  });

  test('controls: the failure is an exception with what followed it; restores were tested on 3 days', () => {
    const rows = Object.fromEntries(
      periodControlTable(summary).map((r) => [r.evidence.split(' ').slice(0, 4).join(' '), r]),
    );
    expect(rows['Restores were tested regularly']).toMatchObject({
      status: 'evidenced',
      observed: '5 drill runs of 2 drills on 3 days, 2026-10-01 to 2026-12-31',
    });
    expect(rows['The restored data was']).toMatchObject({ status: 'exception' });
    expect(rows['The restored data was']!.notes).toEqual([
      '2026-10-01 nightly/orders-dump: 1 of 2 checks did not hold; passed again 2026-11-20',
    ]);
    expect(rows['A failure is recorded']).toMatchObject({ status: 'evidenced' });
    expect(rows['Recovery time measured against']).toMatchObject({
      status: 'evidenced',
      observed: '5 met (of 5 drill runs)',
    });
  });

  test('an empty period says so', () => {
    const none = summarizePeriod(all, {
      period: parseHistoryPeriod({ since: '2030-01-01' }),
      source: 's',
      pgdrillVersion: 'v',
    });
    expect(none.entries).toEqual([]);
    expect(renderPeriodHtml(none)).toContain('NO RUNS: no drill ran in since 2030-01-01');
    expect(periodControlTable(none)).toEqual([expect.objectContaining({ status: 'not evidenced' })]);
  });

  test('HTML: every run with a link to its CI run, the counts, the control mapping once, values escaped', () => {
    const hostile = summarizePeriod(
      [...all, runOn('2026-11-21', '105', { ...passing, name: 'x <script>alert(1)</script>' })],
      { period: quarter, source: 'out/history.jsonl', pgdrillVersion: '0.1.0' },
    );
    const html = renderPeriodHtml(hostile);
    expect(html).toContain('FAILED: 1 of 6 drill runs did not pass (1 failed, 0 could not run)');
    expect(html.match(/<table class="runs">[\s\S]*?<\/table>/)![0].match(/<tr>/g)).toHaveLength(7);
    expect(html).toContain('<a href="https://github.com/acme/drills/actions/runs/101">GitHub Actions run 101');
    expect(html.match(/<table class="controls"/g)).toHaveLength(1);
    expect(html.match(/SOC 2 A1\.3: recovery plan procedures/g)).toHaveLength(1);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('x &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('Markdown: the same sections', () => {
    const md = renderPeriodMarkdown(summary);
    expect(md).toMatch(/^# Restore drill evidence, 2026-10-01 to 2026-12-31/);
    expect(md).toContain('| 2026-10-01 03:02:00Z | nightly | orders-dump | failed |');
    expect(md.match(/## Evidence for auditors/g)).toHaveLength(1);
    expect(md).toContain('## Suite files');
  });
});
