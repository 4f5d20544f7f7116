import type { DrillResult, RunResult } from '../../../src/results.js';

const times = { startedAt: '2026-11-20T03:00:00.000Z', finishedAt: '2026-11-20T03:01:00.000Z' };

export const passedDrill: DrillResult = {
  name: 'orders-from-pgdump',
  status: 'passed',
  ...times,
  durationMs: 43_210,
  restoreSeconds: 31.46,
  engine: {
    kind: 'local',
    major: 15,
    version: '15.18 (Debian 15.18-0+deb12u1)',
    connection: 'postgresql://pgdrill@127.0.0.1:54321/app',
  },
  backup: [
    {
      store: 'prod',
      key: 'daily/app-2026-11-20.dump',
      size: 1_048_576,
      sha256: 'ab12',
      format: 'custom',
      producedBy: 'pg_dump 15.18',
    },
  ],
  steps: [
    { name: 'engine', status: 'passed', durationMs: 1200 },
    { name: 'restore', status: 'passed', durationMs: 30_100, message: 'pg_restore finished' },
  ],
  checks: [
    {
      name: 'rows public.orders >= 1000',
      type: 'rows',
      status: 'passed',
      message: 'public.orders has 5000 rows, expected at least 1000',
      expected: '>= 1000',
      actual: '5000',
      durationMs: 12,
    },
    {
      name: 'sequences',
      type: 'sequences',
      status: 'passed',
      message: '3 owned sequences checked: each is ahead of its column',
      durationMs: 30,
    },
  ],
};

export const failedDrill: DrillResult = {
  name: 'billing <nightly> & co',
  status: 'failed',
  ...times,
  durationMs: 20_000,
  restoreSeconds: 10,
  backup: [
    { store: 'prod', key: 'base/20261120', label: '20261120-030000F' },
    { store: 'prod', key: 'wal/000000010000000000000003', size: 16_777_216 },
  ],
  steps: [{ name: 'restore', status: 'passed', durationMs: 9000 }],
  checks: [
    {
      name: 'sequences',
      type: 'sequences',
      status: 'failed',
      message: '1 of 3 owned sequences are behind their column: public.invoices_id_seq',
      expected: 'next nextval() beyond every value in the owning column',
      actual: '1 behind: public.invoices_id_seq',
      details: ['public.invoices_id_seq (public.invoices.id): last_value=3, is_called=true, max=10, next nextval()=4'],
      durationMs: 15,
    },
    {
      name: 'sql select count(*) from nope >= 1',
      type: 'sql',
      status: 'error',
      message: 'ERROR 42P01: relation "nope" does not exist',
      details: ['hint: check the name'],
      durationMs: 2,
    },
    {
      name: 'duration <= RTO',
      type: 'duration',
      status: 'skipped',
      message: 'not run: the drill was cancelled',
      durationMs: 0,
    },
  ],
};

export const erroredDrill: DrillResult = {
  name: 'orders-pitr',
  status: 'error',
  ...times,
  durationMs: 5000,
  steps: [
    { name: 'engine', status: 'passed', durationMs: 1000 },
    {
      name: 'restore',
      status: 'error',
      durationMs: 4000,
      error: {
        code: 'STORAGE_UNREACHABLE',
        message: 'could not list s3://prod-backups',
        hint: 'check the endpoint',
        details: ['ECONNREFUSED 127.0.0.1:9000'],
      },
    },
  ],
  checks: [],
  error: {
    code: 'STORAGE_UNREACHABLE',
    message: 'could not list s3://prod-backups',
    hint: 'check the endpoint',
    details: ['ECONNREFUSED 127.0.0.1:9000'],
  },
};

export const timedOutDrill: DrillResult = {
  name: 'slow',
  status: 'failed',
  ...times,
  durationMs: 600_000,
  steps: [{ name: 'restore', status: 'skipped', durationMs: 0 }],
  checks: [],
  error: { code: 'DRILL_TIMEOUT', message: 'the drill did not finish within 10m', hint: 'raise timeout' },
};

export function runOf(...drills: DrillResult[]): RunResult {
  return {
    suite: { name: 'nightly', files: ['suites/nightly.yaml'] },
    ...times,
    durationMs: 43_210,
    drills,
    exitCode: 1,
  };
}
