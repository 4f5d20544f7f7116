import type { CiContext } from '../report/ci-context.js';
import type { SuiteFileHash } from '../report/suite-file-hashes.js';
import { describePeriod, runsInPeriod, type HistoryPeriod } from './history-period.js';
import type { HistoryDrill, HistoryRun } from './history-record.js';
import { median } from './history-summary.js';

/** One drill run of the period, with what its run recorded around it. */
export interface PeriodEntry extends HistoryDrill {
  suite: string;
  host: string;
  objectives: HistoryRun['objectives'];
  ci?: CiContext;
}

/** Per suite and drill: how its runs in the period ended. */
export interface PeriodDrillTotals {
  suite: string;
  drill: string;
  runs: number;
  passed: number;
  failed: number;
  error: number;
  lastPassedAt?: string;
  medianRestoreSeconds?: number;
}

/** A suite file as the runs recorded it: each distinct hash, and when it was seen. */
export interface PeriodSuiteFile extends SuiteFileHash {
  suite: string;
  runs: number;
  firstSeen: string;
  lastSeen: string;
}

/** Everything the period ("quarter") evidence report shows: every drill run, counts, totals, suite versions. */
export interface PeriodSummary {
  period: { since?: string; until?: string; description: string };
  /** Where the history was read from (a path, s3://…, a table), without secrets. */
  source: string;
  generatedAt: string;
  pgdrillVersion: string;
  suites: string[];
  /** Suite runs in the period (a run of several suites counts once per suite). */
  runs: number;
  counts: { passed: number; failed: number; error: number };
  /** Every drill run, oldest first. */
  entries: PeriodEntry[];
  drills: PeriodDrillTotals[];
  suiteFiles: PeriodSuiteFile[];
}

export interface SummarizePeriodOptions {
  period: HistoryPeriod;
  source: string;
  pgdrillVersion: string;
  /** Only this drill. */
  drill?: string;
  /** @default now */
  generatedAt?: Date;
}

/** History runs → the period summary. Runs outside the period are left out; drills keep the order they first ran in. */
export function summarizePeriod(runs: HistoryRun[], options: SummarizePeriodOptions): PeriodSummary {
  const inPeriod = runsInPeriod(runs, options.period).filter(
    (run) => !options.drill || run.drills.some((d) => d.name === options.drill),
  );
  const entries = inPeriod.flatMap((run) =>
    run.drills
      .filter((d) => !options.drill || d.name === options.drill)
      .map(
        (d): PeriodEntry => ({
          ...d,
          suite: run.suite,
          host: run.host,
          objectives: { ...run.objectives },
          ...(run.ci ? { ci: run.ci } : {}),
        }),
      ),
  );
  const count = (status: HistoryDrill['status'], list: PeriodEntry[] = entries) =>
    list.filter((e) => e.status === status).length;
  const byDrill = new Map<string, PeriodEntry[]>();
  for (const e of entries)
    byDrill.set(`${e.suite}\u0000${e.name}`, [...(byDrill.get(`${e.suite}\u0000${e.name}`) ?? []), e]);
  return {
    period: {
      ...(options.period.since ? { since: options.period.since.toISOString() } : {}),
      ...(options.period.until ? { until: options.period.until.toISOString() } : {}),
      description: describePeriod(options.period),
    },
    source: options.source,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    pgdrillVersion: options.pgdrillVersion,
    suites: [...new Set(inPeriod.map((r) => r.suite))],
    runs: inPeriod.length,
    counts: { passed: count('passed'), failed: count('failed'), error: count('error') },
    entries,
    drills: [...byDrill.values()].map((list) => ({
      suite: list[0]!.suite,
      drill: list[0]!.name,
      runs: list.length,
      passed: count('passed', list),
      failed: count('failed', list),
      error: count('error', list),
      lastPassedAt: list.filter((e) => e.status === 'passed').at(-1)?.finishedAt,
      medianRestoreSeconds: median(list.flatMap((e) => (e.restoreSeconds === undefined ? [] : [e.restoreSeconds]))),
    })),
    suiteFiles: suiteFileVersions(inPeriod),
  };
}

// A suite edited during the period shows as two rows for the same path: the auditor sees when it changed.
function suiteFileVersions(runs: HistoryRun[]): PeriodSuiteFile[] {
  const versions = new Map<string, PeriodSuiteFile>();
  for (const run of runs)
    for (const file of run.suiteFiles ?? []) {
      const key = `${run.suite}\u0000${file.path}\u0000${file.sha256 ?? file.problem}`;
      const seen = versions.get(key);
      if (seen) {
        seen.runs += 1;
        seen.lastSeen = run.startedAt;
      } else
        versions.set(key, { ...file, suite: run.suite, runs: 1, firstSeen: run.startedAt, lastSeen: run.startedAt });
    }
  return [...versions.values()];
}
