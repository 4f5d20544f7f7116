import type { HistoryDrill, HistoryRun } from './history-record.js';

/** What `pgdrill history` shows for one drill. */
export interface DrillHistorySummary {
  drill: string;
  runs: number;
  last: HistoryDrill;
  lastPassed?: HistoryDrill;
  /** Restore seconds of the newest `last` runs, oldest first; undefined where the drill never got a restored database. */
  restoreSeconds: (number | undefined)[];
  medianRestoreSeconds?: number;
  sparkline: string;
}

export interface SummarizeHistoryOptions {
  /** Only this drill. */
  drill?: string;
  /** How many runs the trend covers. @default 10 */
  last?: number;
}

/** Per drill, in order of first appearance: last status, last pass, and the restore-time trend. */
export function summarizeHistory(runs: HistoryRun[], options: SummarizeHistoryOptions = {}): DrillHistorySummary[] {
  const last = options.last ?? 10;
  const byDrill = new Map<string, HistoryDrill[]>();
  const ordered = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const run of ordered)
    for (const drill of run.drills)
      if (!options.drill || drill.name === options.drill)
        byDrill.set(drill.name, [...(byDrill.get(drill.name) ?? []), drill]);
  return [...byDrill].map(([drill, entries]) => {
    const recent = entries.slice(-last).map((e) => e.restoreSeconds);
    const measured = recent.filter((v): v is number => v !== undefined);
    return {
      drill,
      runs: entries.length,
      last: entries.at(-1)!,
      lastPassed: [...entries].reverse().find((e) => e.status === 'passed'),
      restoreSeconds: recent,
      medianRestoreSeconds: median(measured),
      sparkline: sparkline(recent),
    };
  });
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value between the smallest and the largest; `·` where nothing was measured. */
export function sparkline(values: (number | undefined)[]): string {
  const measured = values.filter((v): v is number => v !== undefined);
  const min = Math.min(...measured);
  const span = Math.max(...measured) - min;
  return values
    .map((v) =>
      v === undefined ? '·' : span === 0 ? BARS[3] : BARS[Math.round(((v - min) / span) * (BARS.length - 1))],
    )
    .join('');
}
