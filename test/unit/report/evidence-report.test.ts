import { describe, expect, test } from 'vitest';
import { controlRows } from '../../../src/report/evidence/controls.js';
import { escapeMarkdown } from '../../../src/report/evidence/escape.js';
import { renderHtmlReport } from '../../../src/report/evidence/html-report.js';
import { renderMarkdownReport } from '../../../src/report/evidence/markdown-report.js';
import { evidenceFormatOf } from '../../../src/report/evidence/write-evidence-report.js';
import { formatStepSummary } from '../../../src/report/step-summary.js';
import { buildJsonReport, type ReportContext } from '../../../src/report/json-report.js';
import type { DrillResult } from '../../../src/results.js';
import { erroredDrill, failedDrill, passedDrill, runOf } from './run-result-fixture.js';

const context: ReportContext = {
  pgdrillVersion: '0.1.0',
  host: { hostname: 'ci-1', platform: 'linux', release: '6.1', arch: 'x64' },
  commands: {},
  generatedAt: new Date('2026-11-20T03:02:00Z'),
};

// Restored data and error messages reach the report: a hostile value must stay text.
const hostile: DrillResult = {
  ...failedDrill,
  objectives: { rtoSeconds: 60 },
  checks: [
    {
      name: 'sql <img src=x onerror=alert(1)>',
      type: 'sql',
      status: 'failed',
      expected: '= 1 | 2',
      actual: '<script>alert("x")</script>',
      message: 'value `</td></tr>` [link](javascript:alert(1)) *bold*',
      durationMs: 3,
    },
  ],
};

describe('HTML evidence report', () => {
  const html = renderHtmlReport(buildJsonReport(runOf(passedDrill, hostile, erroredDrill), context));

  test('escapes every value: no markup from data or messages survives', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('`</td></tr>`');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('billing &lt;nightly&gt; &amp; co');
  });

  test('is self-contained: no script, no external reference', () => {
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import|url\(/i);
  });

  test('summary first, then a page per drill with a timeline, the checks, the recovery proof and the controls', () => {
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="drill-1"'));
    expect(html.match(/<section class="drill"/g)).toHaveLength(3);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('ERROR: a drill could not run to the end');
    expect(html).toContain('Recovery proof');
    expect(html).toContain('ISO/IEC 27001:2022 A.8.13');
    expect(html).toContain('HIPAA 164.308(a)(7)(ii)(D)');
    expect(html).toContain('STORAGE_UNREACHABLE');
    expect(html).toMatch(/break-before: page/);
  });
});

describe('Markdown evidence report', () => {
  const md = renderMarkdownReport(buildJsonReport(runOf(passedDrill, hostile), context));

  test('a value cannot break its table cell or inject markup', () => {
    expect(escapeMarkdown('a | b\nc <b>*x*</b>')).toBe('a \\| b c &lt;b>\\*x\\*&lt;/b>');
    const row = md.split('\n').find((l) => l.startsWith('| sql ') && l.includes('script'))!;
    // 5 cells → 6 unescaped pipes
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(6);
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\[link\\](javascript:alert(1))');
  });

  test('has the summary, each drill, its timeline, checks and controls', () => {
    expect(md).toMatch(/^# Restore drill evidence: nightly/);
    expect(md).toContain('## Drill 2: billing &lt;nightly> &amp; co — failed');
    expect(md).toContain('| phase | status | from | took |');
    expect(md).toContain('| evidence | this drill | status | supports |');
  });
});

test('controls: a passing drill evidences the restore; a failed check is an exception; PITR is n/a for a dump', () => {
  const [passed, failed] = buildJsonReport(runOf(passedDrill, hostile), context).drills;
  const byEvidence = (rows: ReturnType<typeof controlRows>) =>
    Object.fromEntries(rows.map((r) => [r.evidence.split(' ').slice(0, 4).join(' '), r.status]));
  expect(byEvidence(controlRows(passed!))).toMatchObject({
    'A real backup was': 'evidenced',
    'The restored data was': 'evidenced',
    'Point-in-time recovery proven from': 'not applicable',
    'Recovery time measured against': 'not evidenced',
  });
  expect(byEvidence(controlRows(failed!))).toMatchObject({
    'The restored data was': 'exception',
    'Recovery time measured against': 'evidenced',
  });
});

test('--report format comes from the extension; anything else is a usage error', () => {
  expect(evidenceFormatOf('out/evidence.HTML')).toBe('html');
  expect(evidenceFormatOf('evidence.md')).toBe('markdown');
  expect(() => evidenceFormatOf('evidence.pdf')).toThrow(
    expect.objectContaining({ code: 'REPORT_FORMAT_UNKNOWN', domain: 'config' }),
  );
});

test('the step summary: verdict, one row per drill with RTO/RPO, and what did not hold', () => {
  const text = formatStepSummary(buildJsonReport(runOf(passedDrill, hostile, erroredDrill), context));
  expect(text).toMatch(/^### ⚠️ pgdrill nightly: error/);
  expect(text).toContain('| ✅ orders-from-pgdump | passed |');
  expect(text).toContain(
    'sql &lt;img src=x onerror=alert(1)> (failed): expected = 1 \\| 2, actual &lt;script>alert("x")&lt;/script>',
  );
  expect(text).toContain('STORAGE\\_UNREACHABLE: could not list s3://prod-backups');
});
