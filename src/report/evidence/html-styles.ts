/** Inline CSS of the HTML evidence report: readable on screen, and A4/Letter-clean in print (one drill per page). */
export const HTML_STYLES = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.meta { color: #555; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .3rem .45rem; text-align: left; vertical-align: top; word-break: break-word; }
th { background: #f3f3f3; }
table.facts th { width: 14rem; }
/* Short values and headings stay whole: breaking anywhere squeezed "20000" and "took" into fragments. */
table.checks th, table.checks td:nth-child(6) { white-space: nowrap; }
table.checks td:nth-child(4) { min-width: 6rem; }
.status { font-weight: 600; white-space: nowrap; }
.passed, .met, .evidenced { color: #1b5e20; }
.failed, .missed, .exception { color: #b71c1c; }
.error { color: #e65100; }
.skipped, .not-measured, .no-objective, .not-evidenced, .not-applicable { color: #616161; }
.verdict { font-size: 1.2rem; padding: .6rem .8rem; border-radius: 4px; border: 2px solid currentColor; display: inline-block; }
.details { color: #444; font-size: 12px; margin: .2rem 0 0; padding-left: 1rem; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.timeline { max-width: 100%; height: auto; }
table.controls td:nth-child(2), table.controls td:nth-child(4) { white-space: nowrap; }
table.controls td:nth-child(1) { width: 28%; }
table.suite-files code, table.runs code { word-break: break-all; font-size: 11px; }
/* The period report's run list: dates, suites, verdicts and durations stay on one line; the list may span pages. */
table.runs th, table.runs td:nth-child(1), table.runs td:nth-child(2), table.runs td:nth-child(4), table.runs td:nth-child(5) { white-space: nowrap; }
.criteria { font-size: 12px; color: #333; }
.note { color: #555; font-size: 12px; border-top: 1px solid #ddd; margin-top: 2rem; padding-top: .5rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h1 { font-size: 1.4rem; }
  h2 { margin-top: 1.1rem; }
  th, td { padding: .2rem .35rem; }
  table { margin: .3rem 0 .6rem; }
  .verdict { font-size: 1.05rem; padding: .35rem .6rem; }
  table.suite-files code, table.runs code { font-size: 9.5px; }
  section.drill, section#controls { break-before: page; page-break-before: always; }
  table, svg, tr { break-inside: avoid; page-break-inside: avoid; }
  table.runs, table.drills { break-inside: auto; page-break-inside: auto; }
  table.runs { font-size: 9.5px; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 14mm; }
`;
