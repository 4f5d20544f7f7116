import type { PeriodEntry, PeriodSummary } from '../../history/period-summary.js';
import { formatDuration } from '../../util/duration.js';

/** The words the HTML and Markdown period reports share. */

export function periodTitle(summary: PeriodSummary): string {
  return `Restore drill evidence, ${summary.period.description}`;
}

/** `PASSED: all 13 drill runs passed` · `FAILED: 2 of 13 drill runs did not pass` · `NO RUNS: …` */
export function periodVerdict(summary: PeriodSummary): string {
  const total = summary.entries.length;
  if (total === 0) return `NO RUNS: no drill ran in ${summary.period.description}`;
  const notPassed = total - summary.counts.passed;
  if (notPassed === 0) return `PASSED: all ${total} drill runs passed`;
  return `${summary.counts.error ? 'ERROR' : 'FAILED'}: ${notPassed} of ${total} drill runs did not pass (${summary.counts.failed} failed, ${summary.counts.error} could not run)`;
}

/** What went wrong in a drill run, or its restore time: `ROWS: 1 of 3 checks did not hold` · `restored in 31s`. */
export function entryNote(entry: PeriodEntry): string {
  const parts = [
    entry.errorCode ?? '',
    entry.failedChecks ? `${entry.failedChecks} of ${entry.checks} checks did not hold` : '',
    entry.restoreSeconds !== undefined ? `restored in ${formatDuration(entry.restoreSeconds)}` : '',
  ];
  return parts.filter(Boolean).join('; ');
}
