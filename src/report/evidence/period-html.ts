import type { PeriodSummary } from '../../history/period-summary.js';
import { formatDuration } from '../../util/duration.js';
import { controlsHtml } from './controls-render.js';
import { escapeHtml as h } from './escape.js';
import { ciSummary, formatTook, safeHref } from './evidence-text.js';
import { HTML_STYLES } from './html-styles.js';
import { periodControlTable } from './period-controls.js';
import { entryNote, periodTitle, periodVerdict } from './period-text.js';

/**
 * The period ("quarter") evidence report from history: every drill run of the period with its verdict, the
 * counts, each drill's totals, the suite files' versions, and the control mapping once. Self-contained like
 * the run report; each value escaped.
 */
export function renderPeriodHtml(summary: PeriodSummary): string {
  const title = periodTitle(summary);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pgdrill ${h(summary.pgdrillVersion)}">
<title>${h(title)}</title>
<style>${HTML_STYLES}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
<p class="meta">${h(summary.suites.length ? `suites ${summary.suites.join(', ')}` : 'no suite ran')} · history ${h(summary.source)} · generated ${h(summary.generatedAt)} by pgdrill ${h(summary.pgdrillVersion)}</p>
</header>
<section id="summary">
<h2>Summary</h2>
<p class="verdict ${verdictClass(summary)}">${h(periodVerdict(summary))}</p>
<table class="facts"><tbody>
<tr><th>period</th><td>${h(summary.period.description)}</td></tr>
<tr><th>suite runs</th><td>${h(summary.runs)}</td></tr>
<tr><th>drill runs</th><td>${h(summary.entries.length)}: <span class="passed">${h(summary.counts.passed)} passed</span>, <span class="failed">${h(summary.counts.failed)} failed</span>, <span class="error">${h(summary.counts.error)} error</span></td></tr>
</tbody></table>
${drillTotals(summary)}
</section>
<section id="runs">
<h2>Every drill run</h2>
${runsTable(summary)}
</section>
${suiteFiles(summary)}
${controlsHtml(periodControlTable(summary), 'over the period')}
</body>
</html>
`;
}

function verdictClass(summary: PeriodSummary): string {
  return summary.counts.error
    ? 'error'
    : summary.counts.failed
      ? 'failed'
      : summary.entries.length
        ? 'passed'
        : 'skipped';
}

function drillTotals(summary: PeriodSummary): string {
  if (summary.drills.length === 0) return '<p>No drill ran in the period.</p>';
  const rows = summary.drills.map(
    (d) =>
      `<tr><td>${h(d.suite)}</td><td>${h(d.drill)}</td><td>${h(d.runs)}</td><td class="passed">${h(d.passed)}</td><td class="${d.failed ? 'failed' : ''}">${h(d.failed)}</td><td class="${d.error ? 'error' : ''}">${h(d.error)}</td><td>${h(d.lastPassedAt ?? 'not in the period')}</td><td>${h(d.medianRestoreSeconds === undefined ? 'never measured' : formatDuration(d.medianRestoreSeconds))}</td></tr>`,
  );
  return `<table class="drills"><thead><tr><th>suite</th><th>drill</th><th>runs</th><th>passed</th><th>failed</th><th>error</th><th>last passed</th><th>median restore</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function runsTable(summary: PeriodSummary): string {
  if (summary.entries.length === 0) return '<p>No drill ran in the period.</p>';
  const rows = summary.entries.map((e) => {
    const href = safeHref(e.ci?.runUrl);
    const ci = h(ciSummary(e.ci, e.host));
    return `<tr><td>${h(e.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</td><td>${h(e.suite)}</td><td>${h(e.name)}</td><td class="status ${h(e.status)}">${h(e.status)}</td><td>${h(formatTook(e.durationSeconds))}</td><td><code>${h(e.backupKey ?? 'none')}</code></td><td>${href ? `<a href="${h(href)}">${ci}</a>` : ci}</td><td>${h(entryNote(e))}</td></tr>`;
  });
  return `<table class="runs"><thead><tr><th>started (UTC)</th><th>suite</th><th>drill</th><th>verdict</th><th>took</th><th>backup key</th><th>run</th><th>notes</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function suiteFiles(summary: PeriodSummary): string {
  if (summary.suiteFiles.length === 0)
    return '<section id="suite-files"><h2>Suite files</h2><p>The runs did not record their suite files (history written before pgdrill kept them).</p></section>';
  const rows = summary.suiteFiles.map(
    (f) =>
      `<tr><td>${h(f.suite)}</td><td><code>${h(f.path)}</code></td><td><code>${h(f.sha256 ?? f.problem ?? '')}</code></td><td>${h(f.runs)}</td><td>${h(f.firstSeen)}</td><td>${h(f.lastSeen)}</td></tr>`,
  );
  return `<section id="suite-files"><h2>Suite files</h2><p>Each version of each suite file the runs loaded, by SHA-256: a suite changed during the period shows one row per version.</p><table class="suite-files"><thead><tr><th>suite</th><th>file</th><th>SHA-256</th><th>runs</th><th>first seen</th><th>last seen</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}
