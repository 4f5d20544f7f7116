import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/report/console-summary.js';
import { erroredDrill, failedDrill, passedDrill, runOf, timedOutDrill } from './run-result-fixture.js';

describe('formatSummary', () => {
  it('prints a block per drill and a totals line', () => {
    expect(formatSummary(runOf(passedDrill, failedDrill, erroredDrill, timedOutDrill))).toBe(
      [
        '✓ orders-from-pgdump: passed · restore 31.5 s · total 43.2 s',
        '  ✓ rows public.orders >= 1000',
        '  ✓ sequences',
        '',
        '✗ billing <nightly> & co: failed · restore 10.0 s · total 20.0 s',
        '  ✗ sequences — 1 of 3 owned sequences are behind their column: public.invoices_id_seq',
        '      expected next nextval() beyond every value in the owning column, actual 1 behind: public.invoices_id_seq',
        '      public.invoices_id_seq (public.invoices.id): last_value=3, is_called=true, max=10, next nextval()=4',
        '  ! sql select count(*) from nope >= 1 — ERROR 42P01: relation "nope" does not exist',
        '      hint: check the name',
        '  - duration <= RTO — not run: the drill was cancelled',
        '',
        '! orders-pitr: error · total 5.0 s',
        '  ! step restore — STORAGE_UNREACHABLE: could not list s3://prod-backups',
        '      ECONNREFUSED 127.0.0.1:9000',
        '      hint: check the endpoint',
        '',
        '✗ slow: failed · total 10m 0s',
        '  - step restore',
        '  ✗ DRILL_TIMEOUT: the drill did not finish within 10m',
        '      hint: raise timeout',
        '',
        '4 drills: 1 passed, 2 failed, 1 error · 5 checks: 2 passed, 1 failed, 1 error, 1 skipped · 43.2 s',
        '',
      ].join('\n'),
    );
  });

  it('shows only the statuses that occurred, and singular words for one', () => {
    const summary = formatSummary(runOf({ ...passedDrill, checks: passedDrill.checks.slice(0, 1) }));
    expect(summary.trimEnd().split('\n').at(-1)).toBe('1 drill: 1 passed · 1 check: 1 passed · 43.2 s');
  });

  it('shortens long detail lists', () => {
    const details = Array.from({ length: 12 }, (_, i) => `line ${i}`);
    const check = { ...failedDrill.checks[0]!, details };
    const lines = formatSummary(runOf({ ...failedDrill, checks: [check] })).split('\n');
    expect(lines).toContain('      line 7');
    expect(lines).not.toContain('      line 8');
    expect(lines).toContain('      … and 4 more');
  });
});
