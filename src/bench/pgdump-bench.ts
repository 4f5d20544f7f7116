import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EmbeddedS3 } from '../demo/embedded-s3.js';
import { createLocalEngine } from '../engines/local/local-engine.js';
import type { BenchWorkspace } from './bench-workspace.js';
import { benchStoreYaml } from './run-pgdrill.js';
import { downloadPrefix } from './raw-download.js';

export interface PgdumpFixture {
  /** The `pg_dump -Fc` archive, `<dir>/bench.dump`. */
  dump: string;
  dir: string;
  rows: number;
  /** Where the same archive lies in the embedded S3, when it was uploaded. */
  s3?: { bucket: string; key: string };
}

const DATABASE = 'bench';
const seconds = (t: number) => (performance.now() - t) / 1000;

/** A `bench` database of about `sizeMb` (a 10,000-row table and a wide events table, FK and indexes), dumped with -Fc. */
export async function makePgdumpFixture(
  ws: BenchWorkspace,
  sizeMb: number,
  log: (line: string) => void,
): Promise<PgdumpFixture> {
  const dir = await ws.subdir('pgdump');
  // ~220 bytes per row on disk with its indexes (measured): rows for the requested size.
  const rows = Math.round((sizeMb * 1024 * 1024) / 220);
  const dump = join(dir, 'bench.dump');
  await using source = await createLocalEngine().start({ workDir: dir });
  const t = performance.now();
  const psql = (db: string, sql: string) =>
    source.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], { timeoutMs: 3_600_000 });
  await psql('postgres', `CREATE DATABASE ${DATABASE}`);
  await psql(
    DATABASE,
    `CREATE TABLE events (id bigserial PRIMARY KEY, account int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);
     CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
     INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 10000) g;
     INSERT INTO events (account, payload, created_at)
       SELECT 1 + g % 10000, md5(g::text) || md5((g * 31)::text) || md5((g * 17)::text), timestamptz '2026-01-01' + g * interval '1 second'
       FROM generate_series(1, ${rows}) g;
     ALTER TABLE events ADD FOREIGN KEY (account) REFERENCES accounts (id);
     CREATE INDEX ON events (created_at);`,
  );
  const size = Number(
    (await source.runClient('psql', ['-X', '-At', '-d', DATABASE, '-c', 'select pg_database_size(current_database())']))
      .stdout,
  );
  log(
    `pgdump fixture: ${rows.toLocaleString('en')} rows, ${(size / 1048576).toFixed(0)} MiB database, generated in ${seconds(t).toFixed(1)} s`,
  );
  const td = performance.now();
  await source.runClient('pg_dump', ['-Fc', '-f', dump, DATABASE], { timeoutMs: 3_600_000 });
  log(
    `pgdump fixture: pg_dump -Fc ${((await stat(dump)).size / 1048576).toFixed(0)} MiB in ${seconds(td).toFixed(1)} s`,
  );
  return { dump, dir, rows };
}

export async function uploadPgdumpFixture(fixture: PgdumpFixture, s3: EmbeddedS3, bucket: string): Promise<void> {
  const key = 'pgdump/bench.dump';
  await s3.putFile(bucket, key, fixture.dump);
  fixture.s3 = { bucket, key };
}

/** What a runbook does: a fresh server (the local engine's start), CREATE DATABASE, pg_restore -j N, then the server stopped and removed. */
export async function rawPgRestore(ws: BenchWorkspace, dump: string, jobs: number): Promise<number> {
  const t = performance.now();
  {
    await using target = await createLocalEngine().start({ workDir: ws.dir });
    await target.runClient('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      'postgres',
      '-c',
      `CREATE DATABASE ${DATABASE}`,
    ]);
    await target.runClient('pg_restore', ['-j', String(jobs), '-d', DATABASE, dump], { timeoutMs: 3_600_000 });
  }
  return seconds(t);
}

/** The same after downloading the archive from S3 to a file (streamed to disk); the download counts, the file is removed after. */
export async function rawPgRestoreFromS3(
  ws: BenchWorkspace,
  s3: EmbeddedS3,
  fixture: PgdumpFixture,
  jobs: number,
): Promise<number> {
  const dest = join(ws.dir, `download-${Date.now()}`);
  await mkdir(dest);
  try {
    const t = performance.now();
    const key = fixture.s3!.key;
    const prefix = key.slice(0, key.lastIndexOf('/') + 1);
    await downloadPrefix(ws, s3, { bucket: fixture.s3!.bucket, prefix, dest, concurrency: 1 });
    await rawPgRestore(ws, join(dest, key.slice(prefix.length)), jobs);
    return seconds(t);
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}

/** Suite of the pgdrill side: the archive through a filesystem or s3 store, with the checks a user would write. */
export async function writePgdumpSuite(
  dir: string,
  fixture: PgdumpFixture,
  jobs: number,
  store: 'filesystem' | 's3',
  s3?: EmbeddedS3,
): Promise<string> {
  const storage = benchStoreYaml(
    store,
    fixture.dir,
    store === 's3' ? { bucket: fixture.s3!.bucket, server: s3! } : undefined,
  );
  const key = store === 'filesystem' ? 'bench.dump' : fixture.s3!.key;
  const file = join(dir, `pgdump-${store}.yaml`);
  await writeFile(
    file,
    `name: bench-pgdump-${store}
storage:
  ${storage}
drills:
  - name: pgdump-${store}
    source: { pgdump: { store: disk, key: ${key}, database: ${DATABASE}, jobs: ${jobs} } }
    checks:
      - rows: { table: public.events, exact: ${fixture.rows} }
      - sequences: {}
      - schema: { tables: [public.events, public.accounts] }
`,
  );
  return file;
}
