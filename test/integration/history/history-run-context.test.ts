import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHistoryStore } from '../../../src/history/create-history.js';
import { toHistoryRun, type HistoryRun } from '../../../src/history/history-record.js';
import {
  scratchPostgresUnavailable,
  startScratchPostgres,
  type ScratchPostgres,
} from '../../support/scratch-postgres.js';
import { failing, passing, runOf, suite } from '../../unit/history/run-fixture.js';

// The run context (CI run, suite file hashes) goes into every history store and comes back out of it.
const GITLAB = {
  GITLAB_CI: 'true',
  CI_JOB_URL: 'https://gitlab.example.com/ops/drills/-/jobs/4242',
  CI_PIPELINE_ID: '99',
  CI_COMMIT_SHA: 'abcdef0123456789abcdef0123456789abcdef01',
  CI_COMMIT_REF_NAME: 'main',
  GITLAB_USER_LOGIN: 'carol',
  CI_JOB_TOKEN: 'glcbt-never-stored',
};

let dir: string;
let recorded: HistoryRun;
let suiteFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-history-context-'));
  suiteFile = join(dir, 'nightly.yaml');
  await writeFile(suiteFile, 'name: nightly\ndrills: []\n');
  const run = runOf(passing, failing);
  recorded = toHistoryRun(suite, { ...run, suite: { ...run.suite, files: [suiteFile] } }, 'runner-7', GITLAB);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a run records the CI run and the SHA-256 of its suite file, and no token', async () => {
  const sha256 = createHash('sha256')
    .update(await readFile(suiteFile))
    .digest('hex');
  expect(recorded.ci).toEqual({
    provider: 'gitlab-ci',
    runUrl: 'https://gitlab.example.com/ops/drills/-/jobs/4242',
    runId: '99',
    commit: 'abcdef0123456789abcdef0123456789abcdef01',
    ref: 'main',
    actor: 'carol',
  });
  expect(recorded.suiteFiles).toEqual([{ path: suiteFile, sha256 }]);
  expect(JSON.stringify(recorded)).not.toContain('glcbt-never-stored');
});

test('a JSON-lines file keeps it', async () => {
  const store = createHistoryStore({ kind: 'file', path: join(dir, 'history.jsonl') });
  await store.append(recorded);
  expect(await store.read('nightly')).toEqual([recorded]);
});

describe.skipIf(scratchPostgresUnavailable() !== undefined)(
  `Postgres history${scratchPostgresUnavailable() ? ` (skipped: ${scratchPostgresUnavailable()})` : ''}`,
  () => {
    let pg: ScratchPostgres;
    beforeAll(async () => {
      pg = await startScratchPostgres();
    });
    afterAll(async () => {
      await pg?.stop();
    });

    test('a table made before run_context existed gets the column; runs read back with their context', async () => {
      // The table as pgdrill created it before it kept the run context, with a run recorded then.
      await pg.db.query(`create table old_history (
        id bigserial primary key, suite text not null, drill text not null, status text not null,
        run_started_at timestamptz not null, run_finished_at timestamptz not null,
        started_at timestamptz not null, finished_at timestamptz not null, exit_code integer not null,
        host text not null, restore_seconds double precision, replay_seconds double precision,
        rpo_seconds double precision, backup_age_seconds double precision, failed_checks integer not null,
        error_code text, objectives jsonb not null, record jsonb not null)`);
      const { ci: _ci, suiteFiles: _files, ...older } = { ...recorded, startedAt: '2026-11-19T03:00:00.000Z' };
      await pg.db.query(
        `insert into old_history (suite, drill, status, run_started_at, run_finished_at, started_at, finished_at,
           exit_code, host, failed_checks, objectives, record)
         values ('nightly', $1, $2, $3, $4, $5, $6, 1, 'runner-6', 0, $7, $8)`,
        [
          passing.name,
          passing.status,
          older.startedAt,
          older.finishedAt,
          passing.startedAt,
          passing.finishedAt,
          JSON.stringify(older.objectives),
          JSON.stringify(older.drills[0]),
        ],
      );
      const env = { HISTORY_URL: `postgresql://postgres@127.0.0.1:${pg.port}/postgres` };
      const store = createHistoryStore({ kind: 'postgres', urlEnv: 'HISTORY_URL', table: 'old_history' }, env);
      try {
        await store.append(recorded);
        const runs = await store.read('nightly');
        expect(runs).toHaveLength(2);
        expect(runs[0]).not.toHaveProperty('ci');
        expect(runs[0]).not.toHaveProperty('suiteFiles');
        expect(runs[1]).toEqual(recorded);
      } finally {
        await store.close();
      }
      const columns = await pg.db.query<{ column_name: string }>(
        "select column_name from information_schema.columns where table_name = 'old_history' and column_name = 'run_context'",
      );
      expect(columns).toEqual([{ column_name: 'run_context' }]);
    });
  },
);
