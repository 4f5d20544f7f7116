import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { createHistoryStore } from '../../../src/history/create-history.js';
import { toHistoryRun, type HistoryRun } from '../../../src/history/history-record.js';
import { listObjects } from '../../../src/demo/physical/fixture-s3.js';
import {
  scratchPostgresUnavailable,
  startScratchPostgres,
  type ScratchPostgres,
} from '../../support/scratch-postgres.js';
import { failing, passing, runOf, suite } from '../../unit/history/run-fixture.js';

const at = (run: HistoryRun, day: number): HistoryRun => {
  const shift = (iso: string) => iso.replace('2026-11-20', `2026-11-${day}`);
  return {
    ...run,
    startedAt: shift(run.startedAt),
    finishedAt: shift(run.finishedAt),
    drills: run.drills.map((d) => ({ ...d, startedAt: shift(d.startedAt), finishedAt: shift(d.finishedAt) })),
  };
};
const first = at(toHistoryRun(suite, runOf(passing, failing), 'ci-1'), 18);
const second = at(toHistoryRun(suite, runOf(passing), 'ci-2'), 19);
const other = at(toHistoryRun({ ...suite, name: 'weekly' }, runOf(failing), 'ci-3'), 19);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-history-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a JSON-lines file: two runs append two lines, read back per suite in order', async () => {
  const path = join(dir, 'nested', 'history.jsonl');
  const store = createHistoryStore({ kind: 'file', path });
  await store.append(first);
  await store.append(other);
  await store.append(second);
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  expect(lines).toHaveLength(3);
  expect(JSON.parse(lines[0]!)).toEqual(first);
  expect(await store.read('nightly')).toEqual([first, second]);
  expect(await store.read('nightly', { limit: 1 })).toEqual([second]);
  expect(await createHistoryStore({ kind: 'file', path: join(dir, 'absent.jsonl') }).read('nightly')).toEqual([]);
});

describe('S3 history against the embedded S3 server', () => {
  let s3: EmbeddedS3;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startEmbeddedS3({ dir });
    await s3.createBucket('ops');
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    // the S3 client takes credentials from the default chain only: restore what this test set
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED'])
      if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
    await s3?.stop();
  });

  test('one object per run under <prefix><suite>/, read back newest last, other suites apart', async () => {
    const store = createHistoryStore({
      kind: 's3',
      storeName: 'ops',
      store: s3.storeConfig('ops', 'db1').s3,
      prefix: 'pgdrill-history',
    });
    try {
      await store.append(second);
      await store.append(first);
      await store.append(other);
      const keys = (await listObjects(s3, 'ops', '')).map((o) => o.key);
      expect(keys).toHaveLength(3);
      expect(
        keys.every((k) => /^db1\/pgdrill-history\/(nightly|weekly)\/2026-11-1\dT030000000Z-[0-9a-f]{8}\.json$/.test(k)),
      ).toBe(true);
      expect(await store.read('nightly')).toEqual([first, second]);
      expect(await store.read('weekly')).toEqual([other]);
      expect(store.description).toBe('s3://ops/db1/pgdrill-history/');
    } finally {
      await store.close();
    }
  });
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

    test('creates the table if missing, one row per drill, read back as runs', async () => {
      const env = { HISTORY_URL: `postgresql://postgres:hunter2@127.0.0.1:${pg.port}/postgres` };
      const store = createHistoryStore({ kind: 'postgres', urlEnv: 'HISTORY_URL', table: 'pgdrill_history' }, env);
      try {
        await store.append(first);
        await store.append(second);
        await store.append(other);
      } finally {
        await store.close();
      }
      const rows = await pg.db.query<{
        suite: string;
        drill: string;
        status: string;
        restore_seconds: number | null;
        failed_checks: number;
      }>('select suite, drill, status, restore_seconds, failed_checks from pgdrill_history order by id');
      expect(rows).toEqual([
        { suite: 'nightly', drill: 'orders-pitr', status: 'passed', restore_seconds: 95.5, failed_checks: 0 },
        { suite: 'nightly', drill: 'orders-dump', status: 'failed', restore_seconds: 30, failed_checks: 1 },
        { suite: 'nightly', drill: 'orders-pitr', status: 'passed', restore_seconds: 95.5, failed_checks: 0 },
        { suite: 'weekly', drill: 'orders-dump', status: 'failed', restore_seconds: 30, failed_checks: 1 },
      ]);
      const reader = createHistoryStore({ kind: 'postgres', urlEnv: 'HISTORY_URL', table: 'pgdrill_history' }, env);
      try {
        expect(await reader.read('nightly')).toEqual([first, second]);
        expect(await reader.read('nightly', { limit: 1 })).toEqual([second]);
      } finally {
        await reader.close();
      }
    });

    test('an error names the table and the env var, never the URL or its password', async () => {
      const env = { HISTORY_URL: `postgresql://postgres:hunter2@127.0.0.1:${pg.port}/postgres` };
      const store = createHistoryStore(
        { kind: 'postgres', urlEnv: 'HISTORY_URL', table: 'no_such_schema.history' },
        env,
      );
      const error = await store.append(first).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string; hint: string },
      );
      await store.close();
      expect(error).toMatchObject({
        code: 'HISTORY_UNREACHABLE',
        message: expect.stringMatching(/no_such_schema\.history \(URL from \$HISTORY_URL\).*3F000/),
      });
      expect(`${error!.message} ${error!.hint}`).not.toContain('hunter2');
      const unset = createHistoryStore({ kind: 'postgres', urlEnv: 'UNSET_URL', table: 't' }, {});
      await expect(unset.read('nightly')).rejects.toMatchObject({ code: 'HISTORY_URL_MISSING' });
    });
  },
);
