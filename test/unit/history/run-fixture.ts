import type { DrillResult, RunResult } from '../../../src/results.js';

/** A passing physical drill and a failing logical one, with the facts metrics and notifications read. */
export const passing: DrillResult = {
  name: 'orders-pitr',
  status: 'passed',
  startedAt: '2026-11-20T03:00:00.000Z',
  finishedAt: '2026-11-20T03:02:00.000Z',
  durationMs: 120_000,
  restoreSeconds: 95.5,
  backup: [
    { store: 's3://prod', key: 'base/20261119', lastModified: '2026-11-19T03:00:00.000Z' },
    { store: 's3://prod', key: 'wal/000000010000000000000007', lastModified: '2026-11-20T02:00:00.000Z' },
  ],
  recovery: {
    target: 'latest',
    reached: true,
    replaySeconds: 40,
    segmentsRestored: 7,
    archive: { count: 7, missing: [] },
    rpoSeconds: 300,
    problems: [],
  },
  steps: [{ name: 'restore', status: 'passed', durationMs: 95_500 }],
  checks: [{ name: 'recovery reached', type: 'recovery', status: 'passed', message: 'ok', durationMs: 5 }],
};

export const failing: DrillResult = {
  name: 'orders-dump',
  status: 'failed',
  startedAt: '2026-11-20T03:02:00.000Z',
  finishedAt: '2026-11-20T03:03:00.000Z',
  durationMs: 60_000,
  restoreSeconds: 30,
  backup: [{ store: 's3://prod', key: 'daily/orders.dump', lastModified: '2026-11-19T23:00:00.000Z' }],
  steps: [{ name: 'restore', status: 'passed', durationMs: 30_000 }],
  checks: [
    {
      name: 'rows public.orders >= 1000',
      type: 'rows',
      status: 'failed',
      expected: '>= 1000',
      actual: '12',
      message: 'public.orders has 12 rows, expected at least 1000',
      durationMs: 3,
    },
    { name: 'sequences', type: 'sequences', status: 'passed', message: 'ok', durationMs: 3 },
  ],
};

export function runOf(...drills: DrillResult[]): RunResult {
  const exitCode = drills.every((d) => d.status === 'passed') ? 0 : 1;
  return {
    suite: { name: 'nightly', files: ['/suites/nightly.yaml'] },
    startedAt: '2026-11-20T03:00:00.000Z',
    finishedAt: '2026-11-20T03:03:00.000Z',
    durationMs: 180_000,
    drills,
    exitCode,
  };
}

export const suite = { name: 'nightly', objectives: { rtoSeconds: 3600, rpoSeconds: 900 } };
