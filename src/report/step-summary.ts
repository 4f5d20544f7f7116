import { appendFile } from 'node:fs/promises';
import { formatDuration } from '../util/duration.js';
import type { JsonReport } from './report-schema.js';
import { escapeMarkdown as m } from './evidence/escape.js';
import { formatObjective, VERDICT_TEXT } from './evidence/evidence-text.js';

const MARK = { passed: '✅', failed: '❌', error: '⚠️' } as const;
const MAX_FAILURES = 20;

/** The short Markdown for a GitHub Actions job page: verdict, each drill, RTO/RPO, what did not hold. */
export function formatStepSummary(report: JsonReport): string {
  const rows = report.drills.map(
    (d) =>
      `| ${MARK[d.status]} ${m(d.name)} | ${d.status} | ${m(formatObjective(d.objectives.rto))} | ${m(formatObjective(d.objectives.rpo))} |`,
  );
  const failures = report.drills.flatMap((d) => [
    ...(d.error ? [`- **${m(d.name)}**: ${m(d.error.code)}: ${m(d.error.message)}`] : []),
    ...d.checks
      .filter((c) => c.status === 'failed' || c.status === 'error')
      .map(
        (c) =>
          `- **${m(d.name)}** · ${m(c.name)} (${c.status}): ${c.expected !== undefined || c.actual !== undefined ? `expected ${m(c.expected ?? '?')}, actual ${m(c.actual ?? '?')}` : m(c.message)}`,
      ),
  ]);
  const shown =
    failures.length > MAX_FAILURES
      ? [...failures.slice(0, MAX_FAILURES), `- … and ${failures.length - MAX_FAILURES} more`]
      : failures;
  return `${[
    `### ${MARK[report.verdict]} pgdrill ${m(report.suite.name)}: ${report.verdict}`,
    '',
    `${m(VERDICT_TEXT[report.verdict])} · exit code ${report.exitCode} · ${formatDuration(report.durationMs / 1000)}`,
    '',
    '| drill | status | RTO | RPO |',
    '|---|---|---|---|',
    ...rows,
    '',
    ...(shown.length ? ['**Did not hold:**', '', ...shown, ''] : []),
  ].join('\n')}\n`;
}

/** Appends to the file GitHub Actions names in $GITHUB_STEP_SUMMARY (several steps may write to it). */
export async function appendStepSummary(report: JsonReport, file: string): Promise<void> {
  await appendFile(file, formatStepSummary(report));
}
