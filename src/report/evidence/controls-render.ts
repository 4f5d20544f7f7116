import { CONTROL_SHORT, CONTROLS, type ControlId, type ControlTableRow } from './controls.js';
import { escapeHtml as h, escapeMarkdown as m } from './escape.js';

const NOTE =
  'pgdrill produces evidence that restores were tested; it does not make a system compliant. Whether this evidence satisfies a control is for the auditor to judge; docs/evidence.md says how each row supports the criteria.';

/** The control mapping in HTML: one table, then the criteria it cites, once. */
export function controlsHtml(rows: ControlTableRow[], observedHeading: string): string {
  const body = rows.map(
    (r) =>
      `<tr><td>${h(r.evidence)}</td><td class="status ${r.status.replace(' ', '-')}">${h(r.status)}</td><td>${h(r.observed)}${r.notes.length ? `<ul class="details">${r.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}</td><td>${r.controls.map((c) => h(CONTROL_SHORT[c])).join('<br>')}</td></tr>`,
  );
  return `<section id="controls">
<h2>Evidence for auditors</h2>
<table class="controls"><thead><tr><th>evidence</th><th>status</th><th>${h(observedHeading)}</th><th>supports</th></tr></thead><tbody>${body.join('\n')}</tbody></table>
<h3>Criteria</h3>
<ul class="criteria">${cited(rows)
    .map((c) => `<li>${h(CONTROLS[c])}</li>`)
    .join('')}</ul>
<p class="note">${h(NOTE)}</p>
</section>`;
}

/** The same in Markdown. */
export function controlsMarkdown(rows: ControlTableRow[], observedHeading: string): string[] {
  return [
    '## Evidence for auditors',
    '',
    `| evidence | status | ${m(observedHeading)} | supports |`,
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${m(r.evidence)} | ${m(r.status)} | ${[r.observed, ...r.notes].map(m).join('<br>')} | ${r.controls.map((c) => m(CONTROL_SHORT[c])).join(', ')} |`,
    ),
    '',
    'Criteria:',
    '',
    ...cited(rows).map((c) => `- ${m(CONTROLS[c])}`),
    '',
    `_${m(NOTE)}_`,
    '',
  ];
}

function cited(rows: ControlTableRow[]): ControlId[] {
  const used = new Set(rows.flatMap((r) => r.controls));
  return (Object.keys(CONTROLS) as ControlId[]).filter((c) => used.has(c));
}
