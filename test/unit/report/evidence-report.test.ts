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
  ci: {
    provider: 'github-actions',
    runUrl: 'https://github.com/acme/drills/actions/runs/42',
    runId: '42',
    attempt: '1',
    commit: '0123456789abcdef0123456789abcdef01234567',
    ref: 'main',
    actor: 'alice <b>',
  },
  suiteFiles: [
    { path: 'suites/nightly.yaml', sha256: 'a'.repeat(64) },
    { path: 'suites/gone.yaml', problem: 'not readable (ENOENT)' },
  ],
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

  test('is self-contained: no script, no external asset; the one outside link is to the CI run', () => {
    expect(html).not.toMatch(/<script|<link|src="http|@import|url\(/i);
    expect([...html.matchAll(/href="(http[^"]*)"/g)].map((m) => m[1])).toEqual([
      'https://github.com/acme/drills/actions/runs/42',
    ]);
  });

  test('summary first, the run context, a page per drill, then the control mapping once', () => {
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="run-context"'));
    expect(html.indexOf('id="run-context"')).toBeLessThan(html.indexOf('id="drill-1"'));
    expect(html.indexOf('id="drill-3"')).toBeLessThan(html.indexOf('id="controls"'));
    expect(html.match(/<section class="drill"/g)).toHaveLength(3);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('ERROR: a drill could not run to the end');
    expect(html).toContain('Recovery proof');
    expect(html).toContain('STORAGE_UNREACHABLE');
    expect(html).toMatch(/break-before: page/);
    // One control table and one legend of the criteria for three drills, not one per drill.
    expect(html.match(/<table class="controls"/g)).toHaveLength(1);
    expect(html.match(/Evidence for auditors/g)).toHaveLength(1);
    expect(html.match(/ISO\/IEC 27001:2022 A\.8\.13/g)).toHaveLength(1);
    expect(html.match(/HIPAA 164\.308\(a\)\(7\)\(ii\)\(D\): testing/g)).toHaveLength(1);
  });

  test('the run context: CI, a link to the run, commit, ref, actor, and each suite file with its SHA-256', () => {
    const section = html.slice(html.indexOf('id="run-context"'), html.indexOf('id="drill-1"'));
    expect(section).toContain('GitHub Actions');
    expect(section).toContain('<a href="https://github.com/acme/drills/actions/runs/42">');
    expect(section).toContain('0123456789abcdef0123456789abcdef01234567');
    expect(section).toContain('42 (attempt 1)');
    expect(section).toContain('alice &lt;b&gt;');
    expect(section).toContain(`<code>${'a'.repeat(64)}</code>`);
    expect(section).toContain('suites/gone.yaml</code></td><td><code>not readable (ENOENT)');
  });

  test('a run URL that is not http(s) is shown as text, never linked', () => {
    const report = buildJsonReport(runOf(passedDrill), {
      ...context,
      ci: { provider: 'jenkins', runUrl: 'javascript:alert(1)' },
    });
    const out = renderHtmlReport(report);
    expect(out).not.toContain('href="javascript');
    expect(out).toContain('javascript:alert(1)');
  });

  test('outside CI the run context says so', () => {
    const out = renderHtmlReport(buildJsonReport(runOf(passedDrill), { ...context, ci: undefined }));
    expect(out).toContain('none detected: started outside CI');
  });

  test('the control table names, per evidence row, the drills that show it and what the others showed', () => {
    const controls = html.slice(html.indexOf('id="controls"'));
    expect(controls).toContain('evidenced: orders-from-pgdump');
    expect(controls).toMatch(/exception: orders-pitr — no restore ran|exception: orders-pitr — restore error/);
    expect(controls).toContain('1 exception · 2 evidenced');
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
    expect(md).toContain('## Run context');
    expect(md).toContain('| run | https://github.com/acme/drills/actions/runs/42 |');
    expect(md.match(/## Evidence for auditors/g)).toHaveLength(1);
    expect(md).toContain('| evidence | status | drills | supports |');
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
  expect(() => evidenceFormatOf('evidence.docx')).toThrow(
    expect.objectContaining({ code: 'REPORT_FORMAT_UNKNOWN', domain: 'config' }),
  );
});

test('.pdf needs a Chromium: one that is not there is REPORT_PDF_UNAVAILABLE (exit 3) naming what to install', () => {
  const env = { PATH: '/nonexistent-bin', PGDRILL_CHROMIUM: '/nonexistent/chromium' };
  expect(() => evidenceFormatOf('evidence.pdf', env)).toThrow(
    expect.objectContaining({
      code: 'REPORT_PDF_UNAVAILABLE',
      domain: 'storage',
      message: expect.stringContaining('PGDRILL_CHROMIUM names /nonexistent/chromium'),
      hint: expect.stringContaining('apt-get install chromium'),
    }),
  );
  expect(() => evidenceFormatOf('evidence.pdf', { PATH: '/nonexistent-bin' })).toThrow(
    expect.objectContaining({ code: 'REPORT_PDF_UNAVAILABLE', hint: expect.stringContaining('.html') }),
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
