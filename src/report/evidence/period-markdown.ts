import type { PeriodSummary } from '../../history/period-summary.js';
import { formatDuration } from '../../util/duration.js';
import { controlsMarkdown } from './controls-render.js';
import { escapeMarkdown as m } from './escape.js';
import { ciSummary, formatTook } from './evidence-text.js';
import { periodControlTable } from './period-controls.js';
import { entryNote, periodTitle, periodVerdict } from './period-text.js';

/** The period evidence report in Markdown: the same sections as the HTML. */
export function renderPeriodMarkdown(summary: PeriodSummary): string {
  const lines = [
    `# ${m(periodTitle(summary))}`,
    '',
    `${m(summary.suites.length ? `suites ${summary.suites.join(', ')}` : 'no suite ran')} · history ${m(summary.source)} · generated ${m(summary.generatedAt)} by pgdrill ${m(summary.pgdrillVersion)}`,
    '',
    '## Summary',
    '',
    `**${m(periodVerdict(summary))}**`,
    '',
    table(
      ['', ''],
      [
        ['period', summary.period.description],
        ['suite runs', String(summary.runs)],
        [
          'drill runs',
          `${summary.entries.length}: ${summary.counts.passed} passed, ${summary.counts.failed} failed, ${summary.counts.error} error`,
        ],
      ],
    ),
    summary.drills.length
      ? table(
          ['suite', 'drill', 'runs', 'passed', 'failed', 'error', 'last passed', 'median restore'],
          summary.drills.map((d) => [
            d.suite,
            d.drill,
            String(d.runs),
            String(d.passed),
            String(d.failed),
            String(d.error),
            d.lastPassedAt ?? 'not in the period',
            d.medianRestoreSeconds === undefined ? 'never measured' : formatDuration(d.medianRestoreSeconds),
          ]),
        )
      : 'No drill ran in the period.\n',
    '## Every drill run',
    '',
    summary.entries.length
      ? table(
          ['started (UTC)', 'suite', 'drill', 'verdict', 'took', 'backup key', 'run', 'notes'],
          summary.entries.map((e) => [
            e.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
            e.suite,
            e.name,
            e.status,
            formatTook(e.durationSeconds),
            e.backupKey ?? 'none',
            [ciSummary(e.ci, e.host), e.ci?.runUrl].filter(Boolean).join(' '),
            entryNote(e),
          ]),
        )
      : 'No drill ran in the period.\n',
    '## Suite files',
    '',
    summary.suiteFiles.length
      ? table(
          ['suite', 'file', 'SHA-256', 'runs', 'first seen', 'last seen'],
          summary.suiteFiles.map((f) => [
            f.suite,
            f.path,
            f.sha256 ?? f.problem ?? '',
            String(f.runs),
            f.firstSeen,
            f.lastSeen,
          ]),
        )
      : 'The runs did not record their suite files (history written before pgdrill kept them).\n',
    ...controlsMarkdown(periodControlTable(summary), 'over the period'),
  ];
  return lines.join('\n');
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(m).join(' | ')} |`),
    '',
  ].join('\n');
}
