import { formatDuration } from '../../util/duration.js';
import type { DrillReport, JsonReport } from '../report-schema.js';
import { controlTable } from './controls.js';
import { controlsMarkdown } from './controls-render.js';
import { escapeMarkdown as m } from './escape.js';
import {
  backupFacts,
  checkCounts,
  ciFacts,
  engineFacts,
  formatObjective,
  formatTook,
  recoveryFacts,
  suiteFileFacts,
  toolFacts,
  VERDICT_TEXT,
} from './evidence-text.js';

/** The evidence report in Markdown: the same sections as the HTML, the timeline as a table. */
export function renderMarkdownReport(report: JsonReport): string {
  const lines = [
    `# Restore drill evidence: ${m(report.suite.name)}`,
    '',
    `Run ${m(report.startedAt)} → ${m(report.finishedAt)} (${m(formatDuration(report.durationMs / 1000))}) on ${m(report.host.hostname)} · pgdrill ${m(report.tools.pgdrill)} · exit code ${report.exitCode}`,
    '',
    '## Summary',
    '',
    `**${m(VERDICT_TEXT[report.verdict])}**`,
    '',
    table(
      ['drill', 'status', 'RTO (restore time)', 'RPO (data loss)', 'checks'],
      report.drills.map((d) => [
        d.name,
        d.status,
        formatObjective(d.objectives.rto),
        formatObjective(d.objectives.rpo),
        checkCounts(d),
      ]),
    ),
    '## Run context',
    '',
    facts(ciFacts(report.ci)),
    table(['suite file', 'SHA-256'], suiteFileFacts(report)),
    '## Tools and host',
    '',
    facts(toolFacts(report)),
    ...report.drills.flatMap((d, i) => drillSection(d, i)),
    '',
    ...controlsMarkdown(controlTable(report.drills), 'drills'),
  ];
  return lines.join('\n');
}

function drillSection(drill: DrillReport, index: number): string[] {
  const backups = drill.backup ?? [];
  return [
    '',
    `## Drill ${index + 1}: ${m(drill.name)} — ${drill.status}`,
    '',
    `${m(drill.startedAt)} → ${m(drill.finishedAt)} (${m(formatDuration(drill.durationMs / 1000))})`,
    '',
    '### What was restored, from where',
    '',
    m(drill.source?.description ?? 'unknown source'),
    '',
    ...(backups.length === 0
      ? ['No backup was found.', '']
      : backups.flatMap((b, i) => [...(backups.length > 1 ? [`Backup ${i + 1}:`, ''] : []), facts(backupFacts(b))])),
    '### Server',
    '',
    facts(engineFacts(drill)),
    '### Objectives',
    '',
    facts([
      ['RTO', `${formatObjective(drill.objectives.rto)} (${drill.objectives.rto.basis})`],
      ['RPO', `${formatObjective(drill.objectives.rpo)} (${drill.objectives.rpo.basis})`],
    ]),
    '### Timeline',
    '',
    drill.timeline.length
      ? table(
          ['phase', 'status', 'from', 'took'],
          drill.timeline.map((p) => [p.name, p.status, formatDuration(p.startSeconds), formatTook(p.durationSeconds)]),
        )
      : 'No step ran.\n',
    '### Checks',
    '',
    drill.checks.length
      ? table(
          ['check', 'status', 'expected', 'actual', 'result'],
          drill.checks.map((c) => [
            c.name,
            c.status,
            c.expected ?? '',
            c.actual ?? '',
            [c.message, ...(c.details ?? [])].join(' · '),
          ]),
        )
      : 'No check ran.\n',
    '### Recovery proof',
    '',
    facts(recoveryFacts(drill)),
    ...(drill.error
      ? [
          '### Why the drill stopped',
          '',
          `**${m(drill.error.code)}**: ${m(drill.error.message)}`,
          '',
          ...(drill.error.details ?? []).map((d) => `- ${m(d)}`),
          ...(drill.error.hint ? ['', `Next step: ${m(drill.error.hint)}`] : []),
          '',
        ]
      : []),
  ];
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(m).join(' | ')} |`),
    '',
  ].join('\n');
}

function facts(rows: [string, string][]): string {
  return table(['', ''], rows);
}
