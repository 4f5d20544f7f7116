import { formatDuration } from '../../util/duration.js';
import type { DrillReport, JsonReport } from '../report-schema.js';
import { controlTable } from './controls.js';
import { controlsHtml } from './controls-render.js';
import { escapeHtml as h } from './escape.js';
import {
  backupFacts,
  checkCounts,
  ciFacts,
  engineFacts,
  formatObjective,
  formatTook,
  recoveryFacts,
  safeHref,
  suiteFileFacts,
  toolFacts,
  VERDICT_TEXT,
} from './evidence-text.js';
import { HTML_STYLES } from './html-styles.js';
import { timelineSvg } from './timeline-svg.js';

/**
 * The evidence report as one self-contained HTML file: no script, no external asset, print CSS with a
 * page per drill and the control mapping once at the end. Every value is escaped: restored data and error
 * messages end up in it.
 */
export function renderHtmlReport(report: JsonReport): string {
  const title = `Restore drill evidence: ${report.suite.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pgdrill ${h(report.tools.pgdrill)}">
<title>${h(title)}</title>
<style>${HTML_STYLES}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
<p class="meta">Run ${h(report.startedAt)} → ${h(report.finishedAt)} (${h(formatDuration(report.durationMs / 1000))}) on ${h(report.host.hostname)} · pgdrill ${h(report.tools.pgdrill)} · exit code ${h(report.exitCode)}</p>
</header>
${summary(report)}
${runContextSection(report)}
${toolsSection(report)}
${report.drills.map((d, i) => drillSection(d, i)).join('\n')}
${controlsHtml(controlTable(report.drills), 'drills')}
</body>
</html>
`;
}

function summary(report: JsonReport): string {
  const rows = report.drills.map(
    (d, i) =>
      `<tr><td><a href="#drill-${i + 1}">${h(d.name)}</a></td>${statusCell(d.status)}<td class="${d.objectives.rto.status}">${h(formatObjective(d.objectives.rto))}</td><td class="${d.objectives.rpo.status}">${h(formatObjective(d.objectives.rpo))}</td><td>${h(checkCounts(d))}</td></tr>`,
  );
  return `<section id="summary">
<h2>Summary</h2>
<p class="verdict ${report.verdict}">${h(VERDICT_TEXT[report.verdict])}</p>
<p>${h(report.drills.length)} drill(s) from ${report.suite.files.map((f) => `<code>${h(f)}</code>`).join(', ')}.</p>
<table class="drills"><thead><tr><th>drill</th><th>status</th><th>RTO (restore time)</th><th>RPO (data loss)</th><th>checks</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</section>`;
}

function drillSection(drill: DrillReport, index: number): string {
  const backups = drill.backup ?? [];
  return `<section class="drill" id="drill-${index + 1}">
<h2>Drill ${index + 1}: ${h(drill.name)} — <span class="status ${drill.status}">${h(drill.status)}</span></h2>
<p class="meta">${h(drill.startedAt)} → ${h(drill.finishedAt)} (${h(formatDuration(drill.durationMs / 1000))})</p>
<h3>What was restored, from where</h3>
<p>${h(drill.source?.description ?? 'unknown source')}</p>
${backups.length === 0 ? '<p>No backup was found.</p>' : backups.map((b, i) => facts(backupFacts(b), backups.length > 1 ? `backup ${i + 1}` : undefined)).join('\n')}
<h3>Server</h3>
${facts(engineFacts(drill))}
<h3>Objectives</h3>
${facts([
  ['RTO', `${formatObjective(drill.objectives.rto)} (${drill.objectives.rto.basis})`],
  ['RPO', `${formatObjective(drill.objectives.rpo)} (${drill.objectives.rpo.basis})`],
])}
<h3>Timeline</h3>
${drill.timeline.length ? timelineSvg(drill.timeline, `timeline of drill ${drill.name}`) : '<p>No step ran.</p>'}
<h3>Checks</h3>
${checksTable(drill)}
<h3>Recovery proof</h3>
${facts(recoveryFacts(drill))}
${drill.error ? errorBlock(drill.error) : ''}
</section>`;
}

function checksTable(drill: DrillReport): string {
  if (drill.checks.length === 0) return '<p>No check ran.</p>';
  const rows = drill.checks.map((c) => {
    const details = c.details?.length
      ? `<ul class="details">${c.details.map((d) => `<li>${h(d)}</li>`).join('')}</ul>`
      : '';
    return `<tr><td>${h(c.name)}</td>${statusCell(c.status)}<td>${h(c.expected ?? '')}</td><td>${h(c.actual ?? '')}</td><td>${h(c.message)}${details}</td><td>${h(formatTook(c.durationMs / 1000))}</td></tr>`;
  });
  return `<table class="checks"><thead><tr><th>check</th><th>status</th><th>expected</th><th>actual</th><th>result</th><th>took</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function errorBlock(error: NonNullable<DrillReport['error']>): string {
  const details = error.details?.length
    ? `<ul class="details">${error.details.map((d) => `<li><code>${h(d)}</code></li>`).join('')}</ul>`
    : '';
  return `<h3>Why the drill stopped</h3><p class="error"><strong>${h(error.code)}</strong>: ${h(error.message)}</p>${details}${error.hint ? `<p>Next step: ${h(error.hint)}</p>` : ''}`;
}

/** Which CI run, commit and actor, and the suite files' hashes: what an auditor needs to trace the run. */
function runContextSection(report: JsonReport): string {
  const rows = ciFacts(report.ci).map(([k, v]) => {
    const href = k === 'run' ? safeHref(v) : undefined;
    return `<tr><th>${h(k)}</th><td>${href ? `<a href="${h(href)}">${h(v)}</a>` : h(v)}</td></tr>`;
  });
  const files = suiteFileFacts(report).map(
    ([path, hash]) => `<tr><td><code>${h(path)}</code></td><td><code>${h(hash)}</code></td></tr>`,
  );
  return `<section id="run-context">
<h2>Run context</h2>
<table class="facts"><tbody>${rows.join('')}</tbody></table>
<table class="suite-files"><thead><tr><th>suite file</th><th>SHA-256</th></tr></thead><tbody>${files.join('')}</tbody></table>
</section>`;
}

function toolsSection(report: JsonReport): string {
  return `<section id="tools"><h2>Tools and host</h2>${facts(toolFacts(report))}</section>`;
}

function facts(rows: [string, string][], caption?: string): string {
  return `<table class="facts">${caption ? `<caption>${h(caption)}</caption>` : ''}<tbody>${rows.map(([k, v]) => `<tr><th>${h(k)}</th><td>${h(v)}</td></tr>`).join('')}</tbody></table>`;
}

function statusCell(status: string): string {
  return `<td class="status ${h(status)}">${h(status)}</td>`;
}
