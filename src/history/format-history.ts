import { formatDuration } from '../util/duration.js';
import type { DrillHistorySummary } from './history-summary.js';

const MARK = { passed: '✓', failed: '✗', error: '!' } as const;

/** The text `pgdrill history` prints: a heading, then one block per drill. */
export function formatHistory(heading: string, summaries: DrillHistorySummary[], now = new Date()): string {
  if (summaries.length === 0) return `${heading}\n\nno runs recorded yet\n`;
  const blocks = summaries.map((s) => {
    const last = s.last;
    const problems = [
      last.failedChecks ? `${last.failedChecks} failed check${last.failedChecks === 1 ? '' : 's'}` : '',
      last.errorCode ?? '',
    ]
      .filter(Boolean)
      .join(', ');
    const lines = [
      `${s.drill} (${s.runs} run${s.runs === 1 ? '' : 's'})`,
      `  last status   ${MARK[last.status]} ${last.status} at ${stamp(last.finishedAt)}${problems ? ` (${problems})` : ''}`,
      `  last passed   ${s.lastPassed ? `${stamp(s.lastPassed.finishedAt)} (${ago(s.lastPassed.finishedAt, now)})` : 'never'}`,
    ];
    if (s.medianRestoreSeconds !== undefined) {
      const values = s.restoreSeconds.map((v) => (v === undefined ? '–' : formatDuration(v))).join(' ');
      lines.push(
        `  restore time  last ${s.restoreSeconds.length}: ${values} · median ${formatDuration(s.medianRestoreSeconds)} · ${s.sparkline}`,
      );
    } else lines.push('  restore time  never measured (no restore finished)');
    return lines.join('\n');
  });
  return `${heading}\n\n${blocks.join('\n\n')}\n`;
}

function stamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function ago(iso: string, now: Date): string {
  const seconds = Math.max(0, (now.getTime() - Date.parse(iso)) / 1000);
  return seconds < 60 ? 'just now' : `${formatDuration(seconds)} ago`;
}
