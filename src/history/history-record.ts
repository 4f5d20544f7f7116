import { hostname } from 'node:os';
import { detectCiContext, type CiContext } from '../report/ci-context.js';
import { hashSuiteFiles, type SuiteFileHash } from '../report/suite-file-hashes.js';
import type { DrillResult, RunResult } from '../results.js';

/** Bumped when a field changes meaning; readers skip records of a newer version. */
export const HISTORY_VERSION = 1;

/** What history keeps of one drill: enough for trends, alerts and "when did it last pass". */
export interface HistoryDrill {
  name: string;
  status: DrillResult['status'];
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** RTO as measured: drill start until the restored database was ready for checks. */
  restoreSeconds?: number;
  /** WAL replay time of a physical restore. */
  replaySeconds?: number;
  /** Achieved RPO: the recovery target (or now) minus the last replayed commit. */
  rpoSeconds?: number;
  /** Drill start minus the newest `lastModified` of the backup's objects. */
  backupAgeSeconds?: number;
  checks: number;
  failedChecks: number;
  errorCode?: string;
  backupKey?: string;
}

/** One suite's part of one run: one JSON line, one S3 object, or one row per drill. */
export interface HistoryRun {
  version: number;
  suite: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  host: string;
  objectives: { rtoSeconds?: number; rpoSeconds?: number };
  drills: HistoryDrill[];
  /** The CI run that started this one (absent outside CI, and in records written before pgdrill kept it). */
  ci?: CiContext;
  /** The suite file and its SHA-256 when the run was recorded. */
  suiteFiles?: SuiteFileHash[];
}

/** One suite's part of a run as history keeps it, with the run context read from `env` (see detectCiContext). */
export function toHistoryRun(
  suite: { name: string; objectives: HistoryRun['objectives'] },
  run: RunResult,
  host = hostname(),
  env: Record<string, string | undefined> = process.env,
): HistoryRun {
  const ci = detectCiContext(env);
  return {
    version: HISTORY_VERSION,
    suite: suite.name,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    exitCode: run.exitCode,
    host,
    objectives: { ...suite.objectives },
    drills: run.drills.map(toHistoryDrill),
    ...(ci ? { ci } : {}),
    suiteFiles: hashSuiteFiles(run.suite.files),
  };
}

export function toHistoryDrill(drill: DrillResult): HistoryDrill {
  const failed = drill.checks.filter((c) => c.status === 'failed' || c.status === 'error').length;
  return dropUndefined({
    name: drill.name,
    status: drill.status,
    startedAt: drill.startedAt,
    finishedAt: drill.finishedAt,
    durationSeconds: drill.durationMs / 1000,
    restoreSeconds: drill.restoreSeconds,
    replaySeconds: drill.recovery?.replaySeconds,
    rpoSeconds: drill.recovery?.rpoSeconds,
    backupAgeSeconds: backupAgeSeconds(drill),
    checks: drill.checks.length,
    failedChecks: failed,
    errorCode: drill.error?.code,
    backupKey: drill.backup?.[0]?.key,
  });
}

/** Age of the newest object the drill restored, at drill start; undefined when no object had a date. */
export function backupAgeSeconds(drill: DrillResult): number | undefined {
  const times = (drill.backup ?? [])
    .map((b) => (b.lastModified ? Date.parse(b.lastModified) : NaN))
    .filter((t) => Number.isFinite(t));
  if (times.length === 0) return undefined;
  return Math.max(0, (Date.parse(drill.startedAt) - Math.max(...times)) / 1000);
}

/** Parse one stored record; undefined for anything that is not a history run pgdrill can read. */
export function parseHistoryRun(text: string): HistoryRun | undefined {
  try {
    const value = JSON.parse(text) as Partial<HistoryRun>;
    if (typeof value !== 'object' || value === null || typeof value.suite !== 'string' || !Array.isArray(value.drills))
      return undefined;
    if (typeof value.version !== 'number' || value.version > HISTORY_VERSION) return undefined;
    return value as HistoryRun;
  } catch {
    return undefined;
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
