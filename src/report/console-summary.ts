import { formatSeconds } from '../util/duration.js';
import type { CheckResult, DrillResult, RunResult, Status, StepResult } from '../results.js';

const MARK: Record<Status, string> = { passed: '✓', failed: '✗', error: '!', skipped: '-' };
const MAX_DETAILS = 8;

/**
 * The end-of-run summary a person reads in a CI log: one block per drill (verdict, timings, every check,
 * expected/actual for what failed), then one totals line.
 */
export function formatSummary(run: RunResult): string {
  const blocks = run.drills.map(formatDrill);
  return `${[...blocks, formatTotals(run)].join('\n\n')}\n`;
}

function formatDrill(drill: DrillResult): string {
  const timings = [
    drill.restoreSeconds === undefined ? '' : `restore ${formatSeconds(drill.restoreSeconds)}`,
    `total ${formatMs(drill.durationMs)}`,
  ];
  const lines = [`${MARK[drill.status]} ${drill.name}: ${drill.status} · ${timings.filter(Boolean).join(' · ')}`];
  for (const step of drill.steps.filter((s) => s.status !== 'passed')) lines.push(...formatStep(step));
  for (const check of drill.checks) lines.push(...formatCheck(check));
  const error = drill.error;
  if (error && !drill.steps.some((s) => s.error?.code === error.code && s.error.message === error.message)) {
    lines.push(`  ${MARK[drill.status]} ${error.code}: ${error.message}`, ...indent(limit(error.details ?? []), 6));
    if (error.hint) lines.push(`      hint: ${error.hint}`);
  }
  if (drill.keptAt) lines.push(`  kept for inspection at ${drill.keptAt}`);
  return lines.join('\n');
}

function formatStep(step: StepResult): string[] {
  const reason = step.error ? `${step.error.code}: ${step.error.message}` : (step.message ?? '');
  const lines = [`  ${MARK[step.status]} step ${step.name}${reason ? ` — ${reason}` : ''}`];
  lines.push(...indent(limit([...(step.error?.details ?? []), ...(step.details ?? [])]), 6));
  if (step.error?.hint) lines.push(`      hint: ${step.error.hint}`);
  return lines;
}

function formatCheck(check: CheckResult): string[] {
  if (check.status === 'passed') return [`  ${MARK.passed} ${check.name}`];
  const lines = [`  ${MARK[check.status]} ${check.name} — ${check.message}`];
  if (check.status === 'failed' && (check.expected !== undefined || check.actual !== undefined)) {
    lines.push(`      expected ${check.expected ?? '?'}, actual ${check.actual ?? '?'}`);
  }
  lines.push(...indent(limit(check.details ?? []), 6));
  return lines;
}

/** `2 drills: 1 passed, 1 failed · 14 checks: 12 passed, 1 failed, 1 error · 43.2 s` */
function formatTotals(run: RunResult): string {
  const checks = run.drills.flatMap((d) => d.checks);
  return [
    `${plural(run.drills.length, 'drill')}: ${countStatuses(run.drills.map((d) => d.status))}`,
    `${plural(checks.length, 'check')}: ${countStatuses(checks.map((c) => c.status))}`,
    formatMs(run.durationMs),
  ].join(' · ');
}

// "passed" always shows; the other statuses only when they occurred.
function countStatuses(statuses: Status[]): string {
  const count = (status: Status) => statuses.filter((s) => s === status).length;
  const parts = [`${count('passed')} passed`];
  for (const status of ['failed', 'error', 'skipped'] as const) {
    const n = count(status);
    if (n > 0) parts.push(status === 'error' ? plural(n, 'error') : `${n} ${status}`);
  }
  return parts.join(', ');
}

function limit(lines: string[]): string[] {
  if (lines.length <= MAX_DETAILS) return lines;
  return [...lines.slice(0, MAX_DETAILS), `… and ${lines.length - MAX_DETAILS} more`];
}

function indent(lines: string[], spaces: number): string[] {
  return lines.map((line) => `${' '.repeat(spaces)}${line}`);
}

function formatMs(ms: number): string {
  return formatSeconds(ms / 1000);
}

function plural(count: number, word: string): string {
  return `${count} ${count === 1 ? word : `${word}s`}`;
}
