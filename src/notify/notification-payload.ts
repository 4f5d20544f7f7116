import { hostname } from 'node:os';
import type { DrillResult, RunResult } from '../results.js';
import { backupAgeSeconds } from '../history/history-record.js';

/** The generic webhook's JSON document (`kind` and `version` let receivers route and evolve). */
export interface NotificationPayload {
  kind: 'pgdrill.run';
  version: 1;
  suite: string;
  /** `passed` (exit 0), `failed` (exit 1: a backup or its data is bad), `error` (the drills could not run). */
  verdict: 'passed' | 'failed' | 'error';
  exitCode: number;
  host: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  reportUrl?: string;
  objectives: { rtoSeconds?: number; rpoSeconds?: number };
  totals: { drills: number; passed: number; failed: number; error: number };
  drills: NotificationDrill[];
}

export interface NotificationDrill {
  name: string;
  status: DrillResult['status'];
  restoreSeconds?: number;
  replaySeconds?: number;
  rpoSeconds?: number;
  backupAgeSeconds?: number;
  backupKey?: string;
  error?: { code: string; message: string; hint?: string };
  failedChecks: { name: string; type: string; status: string; expected?: string; actual?: string; message: string }[];
}

export interface PayloadOptions {
  suite: { name: string; objectives: { rtoSeconds?: number; rpoSeconds?: number } };
  run: RunResult;
  reportUrl?: string;
  host?: string;
}

/** Built from the run result only: it holds no URL, password or key (the result never does). */
export function buildNotificationPayload({
  suite,
  run,
  reportUrl,
  host = hostname(),
}: PayloadOptions): NotificationPayload {
  const count = (status: DrillResult['status']) => run.drills.filter((d) => d.status === status).length;
  return {
    kind: 'pgdrill.run',
    version: 1,
    suite: suite.name,
    verdict: run.exitCode === 0 ? 'passed' : run.exitCode === 1 ? 'failed' : 'error',
    exitCode: run.exitCode,
    host,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationSeconds: run.durationMs / 1000,
    ...(reportUrl ? { reportUrl } : {}),
    objectives: { ...suite.objectives },
    totals: { drills: run.drills.length, passed: count('passed'), failed: count('failed'), error: count('error') },
    drills: run.drills.map(toNotificationDrill),
  };
}

function toNotificationDrill(drill: DrillResult): NotificationDrill {
  return JSON.parse(
    JSON.stringify({
      name: drill.name,
      status: drill.status,
      restoreSeconds: drill.restoreSeconds,
      replaySeconds: drill.recovery?.replaySeconds,
      rpoSeconds: drill.recovery?.rpoSeconds,
      backupAgeSeconds: backupAgeSeconds(drill),
      backupKey: drill.backup?.[0]?.key,
      error: drill.error && { code: drill.error.code, message: drill.error.message, hint: drill.error.hint },
      failedChecks: drill.checks
        .filter((c) => c.status === 'failed' || c.status === 'error')
        .map((c) => ({
          name: c.name,
          type: c.type,
          status: c.status,
          expected: c.expected,
          actual: c.actual,
          message: c.message,
        })),
    }),
  ) as NotificationDrill;
}
