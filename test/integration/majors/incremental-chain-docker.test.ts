import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { loadSuites, runSuites, type DrillResult, type RunResult } from '../../../src/index.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { startPagingEmbeddedS3 } from '../../support/embedded-s3-process.js';
import { docker } from './major-source.js';

// A PostgreSQL 17 cluster in a container (summarize_wal on, archive_command into a directory this test reads;
// the files are 0600 and owned by the container's postgres uid, as a real archive is), a full base backup
// and two incrementals with data changes between them, WAL after the last one, a restore point and a time
// before an accident. pgdrill combines the chain with pg_combinebackup 17 (this machine has only 15: it runs
// in the image's container) and recovers it on the docker engine, from the directory and from the same chain
// and WAL uploaded to the embedded S3 (object keys, no empty directories, every file a ranged or whole read).
const MAJOR = 17;
const image = testImage(MAJOR);
const availability = await dockerEngineAvailability();
const runtime = availability.usable ? await connectRuntime() : undefined;
const present = runtime !== undefined && (await imageExists(runtime, image));
const why = !availability.usable
  ? availability.reason
  : !present
    ? `the image ${image} is not built (scripts/build-images.sh --majors=${MAJOR}; tests never pull)`
    : '';
const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

// Rows after each step: 1000 before the full backup; +1000 and 500 updated before incr1; +1000, 500 updated and
// 100 deleted before incr2; +500 after it, then the restore point, the target time, and the accident.
const ROWS = 3400;
const TOTAL = 4900;
const CHAIN = 'chain/full ← chain/incr1 ← chain/incr2';

let dir: string;
let backups: string;
let targetTime: string;
const BUCKET = 'incremental';
const S3_PREFIX = 'pg17';

async function psql(id: string, sql: string): Promise<string> {
  return (
    await docker([
      'exec',
      '-u',
      'postgres',
      id,
      'psql',
      '-X',
      '-q',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      'shop',
      '-c',
      sql,
    ])
  ).trim();
}

// Ready when a query answers through the socket; over when the container exits. Each probe is one docker exec.
async function waitUntilReady(id: string): Promise<void> {
  for (;;) {
    const answer = await docker(['exec', '-u', 'postgres', id, 'psql', '-X', '-At', '-c', 'SELECT 1']).catch(() => '');
    if (answer.trim() === '1') return;
    if ((await docker(['inspect', '-f', '{{.State.Running}}', id])).trim() !== 'true')
      throw new Error(`source container exited: ${await docker(['logs', '--tail', '20', id]).catch(() => '')}`);
  }
}

// A segment counts once pg_stat_archiver names it (or a later one) as archived.
async function switchAndWaitArchived(id: string): Promise<void> {
  const segment = await psql(id, 'SELECT pg_walfile_name(pg_switch_wal())');
  for (;;) {
    const last = await psql(id, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
    if (last.slice(0, 24) >= segment) return;
  }
}

async function makeChain(): Promise<void> {
  for (const sub of ['wal', 'chain']) await mkdir(join(backups, sub), { recursive: true, mode: 0o777 });
  for (const sub of ['wal', 'chain']) await chmod(join(backups, sub), 0o777);
  const id = (
    await docker([
      'run',
      '-d',
      '--network',
      'none',
      '--label',
      'org.pgdrill.test=incremental-source',
      '-e',
      'POSTGRES_PASSWORD=source',
      '-v',
      `${backups}:/backups`,
      image,
      'postgres',
      '-c',
      'summarize_wal=on',
      '-c',
      'archive_mode=on',
      '-c',
      'archive_command=cp %p /backups/wal/%f',
    ])
  ).trim();
  try {
    await waitUntilReady(id);
    await docker(['exec', '-u', 'postgres', id, 'createdb', 'shop']);
    const basebackup = (to: string, ...args: string[]) =>
      docker(['exec', '-u', 'postgres', id, 'pg_basebackup', '-D', `/backups/chain/${to}`, '-c', 'fast', ...args]);
    await psql(id, 'CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL)');
    await psql(id, 'INSERT INTO orders SELECT g, 1 FROM generate_series(1, 1000) g');
    await basebackup('full', '-Ft', '-z');
    await psql(id, 'INSERT INTO orders SELECT g, 1 FROM generate_series(1001, 2000) g');
    await psql(id, 'UPDATE orders SET total = 2 WHERE id <= 500');
    await basebackup('incr1', '-Fp', '--incremental=/backups/chain/full/backup_manifest');
    await psql(id, 'INSERT INTO orders SELECT g, 1 FROM generate_series(2001, 3000) g');
    await psql(id, 'UPDATE orders SET total = 3 WHERE id BETWEEN 1001 AND 1500');
    await psql(id, 'DELETE FROM orders WHERE id > 2900');
    await basebackup('incr2', '-Ft', '--incremental=/backups/chain/incr1/backup_manifest');
    await psql(id, 'INSERT INTO orders SELECT g, 1 FROM generate_series(3001, 3500) g');
    await psql(id, "SELECT pg_create_restore_point('before-accident')");
    targetTime = await psql(id, 'SELECT clock_timestamp()');
    await psql(id, 'DELETE FROM orders WHERE id > 1000');
    await switchAndWaitArchived(id);
  } finally {
    await docker(['rm', '-f', '-v', id]).catch(() => undefined);
  }
  // Faults, each beside the chain so that `discover` under chain/ never sees them.
  await cp(join(backups, 'chain', 'full'), join(backups, 'gap', 'full'), { recursive: true });
  await cp(join(backups, 'chain', 'incr2'), join(backups, 'gap', 'incr2'), { recursive: true });
  await cp(join(backups, 'chain', 'incr2'), join(backups, 'cut', 'incr2'), { recursive: true });
  const tar = join(backups, 'cut', 'incr2', 'base.tar');
  await truncate(tar, Math.floor((await readFile(tar)).length * 0.6));
}

function suite(name: string, drills: string, s3?: EmbeddedS3): string {
  const storage = s3
    ? `{ backups: { s3: { bucket: ${BUCKET}, prefix: ${S3_PREFIX}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" } } }`
    : '{ backups: { filesystem: { root: backups } } }';
  return `name: ${name}
engine: { kind: docker, docker: { pull: never } }
storage: ${storage}
drills:${drills}`;
}

async function run(name: string, drills: string, s3?: EmbeddedS3): Promise<RunResult> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, suite(name, drills, s3));
  const env = { ...process.env, ...s3?.env() };
  // pgdrill's S3 client takes credentials from the process's AWS default chain, as a user's run does.
  const saved = { ...process.env };
  Object.assign(process.env, s3?.env());
  try {
    return await runSuites(await loadSuites([file], { env }), { engine: 'docker', env });
  } finally {
    for (const key of Object.keys(s3?.env() ?? {})) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

// The chain and the WAL archive as a sync of them all at once leaves them: every file under `<prefix>/`, one
// object each, in an order that is not the backups' (discover with pick: latest must still find the newest).
async function uploadChain(s3: EmbeddedS3): Promise<number> {
  await s3.createBucket(BUCKET);
  const files = (await readdir(backups, { recursive: true, withFileTypes: true })).filter(
    (e) => e.isFile() && /^(chain|wal)\//.test(relative(backups, join(e.parentPath, e.name))),
  );
  // Newest backup first, so that the full backup's objects are the newest: object times are upload times.
  const paths = files.map((e) => join(e.parentPath, e.name)).sort((a, b) => b.localeCompare(a));
  for (const path of paths) {
    // A buffer, not putFile's stream: under load that once stored a 12-byte file as 0 bytes (a retried stream?).
    await s3.putObject(BUCKET, `${S3_PREFIX}/${relative(backups, path)}`, await readFile(path));
  }
  return files.length;
}

const checks = `
    checks:
      - rows: { table: public.orders, exact: ${ROWS} }
      - sql: { query: "select sum(total) from public.orders", equals: ${TOTAL} }`;

describe.skipIf(why !== '')(
  title(`a PostgreSQL ${MAJOR} incremental chain (full + 2 incrementals + WAL) restored on the docker engine`),
  () => {
    let restored: RunResult;
    let faults: RunResult;
    let fromS3: RunResult;
    let s3: EmbeddedS3 | undefined;
    let uploaded = 0;
    const drill = (result: RunResult, name: string): DrillResult => result.drills.find((d) => d.name === name)!;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pgdrill-incremental-'));
      await chmod(dir, 0o711);
      backups = join(dir, 'backups');
      await mkdir(backups);
      await makeChain();
      restored = await run(
        'incremental-restore',
        `
  - name: chain-to-time
    source:
      basebackup: { store: backups, database: shop, key: chain/full, incrementals: [chain/incr1, chain/incr2], wal: { prefix: wal/ } }
    target: { time: "${targetTime}" }${checks}
  - name: chain-discovered-to-restore-point
    source:
      basebackup: { store: backups, database: shop, prefix: chain/, incrementals: discover, wal: { prefix: wal/ } }
    target: { name: before-accident }${checks}
`,
      );
      faults = await run(
        'incremental-faults',
        `
  - name: missing-middle
    source:
      basebackup: { store: backups, database: shop, key: chain/full, incrementals: [chain/incr2], wal: { prefix: wal/ } }
  - name: missing-middle-discovered
    source:
      basebackup: { store: backups, database: shop, key: gap/incr2, incrementals: discover, wal: { prefix: wal/ } }
  - name: wrong-order
    source:
      basebackup: { store: backups, database: shop, key: chain/full, incrementals: [chain/incr2, chain/incr1], wal: { prefix: wal/ } }
  - name: incremental-alone
    source:
      basebackup: { store: backups, database: shop, key: chain/incr2, wal: { prefix: wal/ } }
  - name: truncated-incremental
    source:
      basebackup: { store: backups, database: shop, key: chain/full, incrementals: [chain/incr1, cut/incr2], wal: { prefix: wal/ } }
`,
      );
      // The plain incremental alone is over 1000 objects: listings page.
      s3 = await startPagingEmbeddedS3();
      uploaded = await uploadChain(s3);
      fromS3 = await run(
        'incremental-s3',
        `
  - name: s3-chain-to-time
    source:
      basebackup: { store: backups, database: shop, key: chain/full, incrementals: [chain/incr1, chain/incr2], wal: { prefix: wal/ } }
    target: { time: "${targetTime}" }${checks}
  - name: s3-chain-discovered-to-time
    source:
      basebackup: { store: backups, database: shop, prefix: chain/, incrementals: discover, wal: { prefix: wal/ } }
    target: { time: "${targetTime}" }${checks}
`,
        s3,
      );
    }, 1_800_000);

    afterAll(async () => {
      await s3?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("the source wrote a real chain: an incremental backup_label, WAL files 0600 owned by the container's uid", async () => {
      const label = await readFile(join(backups, 'chain', 'incr1', 'backup_label'), 'utf8');
      expect(label).toMatch(/^INCREMENTAL FROM LSN: /m);
      const wal = (await readdir(join(backups, 'wal'))).filter((f) => /^[0-9A-F]{24}$/.test(f));
      expect(wal.length).toBeGreaterThan(3);
      const file = await stat(join(backups, 'wal', wal[0]!));
      expect(file.uid).not.toBe(process.getuid!());
      expect(file.mode & 0o077).toBe(0);
    });

    for (const name of ['chain-to-time', 'chain-discovered-to-restore-point'])
      test(`${name}: combined, recovered to the target with the proof, every row of the chain`, () => {
        const result = drill(restored, name);
        expect(result.error, JSON.stringify(result.error)).toBeUndefined();
        expect(result.status).toBe('passed');
        expect(result.backup?.[0]).toMatchObject({ key: 'chain/incr2', chain: CHAIN, incrementals: 2 });
        expect(result.steps.find((s) => s.name === 'restore')?.message).toContain(`restored ${CHAIN} and replayed`);
        expect(result.engine).toMatchObject({ kind: 'docker', major: MAJOR });
        expect(result.recovery?.reached).toBe(true);
        expect(result.recovery?.stopRecord).toMatch(
          name === 'chain-to-time' ? /recovery stopping before commit of transaction \d+/ : /before-accident/,
        );
        expect(result.checks.every((c) => c.status === 'passed')).toBe(true);
      });

    for (const name of ['s3-chain-to-time', 's3-chain-discovered-to-time'])
      test(`${name}: the chain and WAL from S3, combined, recovered to the time with the proof, every row`, () => {
        expect(uploaded).toBeGreaterThan(1000);
        const result = drill(fromS3, name);
        expect(result.error, JSON.stringify(result.error)).toBeUndefined();
        expect(result.status).toBe('passed');
        expect(result.backup?.[0]).toMatchObject({ key: 'chain/incr2', chain: CHAIN, incrementals: 2 });
        expect(result.backup?.[0]?.store).toContain(`s3://${BUCKET}/${S3_PREFIX}`);
        expect(result.engine).toMatchObject({ kind: 'docker', major: MAJOR });
        expect(result.recovery?.reached).toBe(true);
        expect(result.recovery?.archive.missing).toEqual([]);
        expect(result.recovery?.segmentsRestored).toBeGreaterThan(0);
        expect(result.recovery?.stopRecord).toMatch(/recovery stopping before commit of transaction \d+/);
        expect(result.checks.map((c) => `${c.type}: ${c.status}`)).toEqual(
          expect.arrayContaining(['rows: passed', 'sql: passed']),
        );
        expect(result.checks.every((c) => c.status === 'passed')).toBe(true);
      });

    test('a missing middle incremental is BACKUP_CHAIN_BROKEN naming it, before any server starts', async () => {
      for (const name of ['missing-middle', 'missing-middle-discovered']) {
        const result = drill(faults, name);
        expect(result.status, name).toBe('failed');
        expect(result.error?.code, name).toBe('BACKUP_CHAIN_BROKEN');
        expect(result.engine, name).toBeUndefined();
        expect(result.recovery, name).toBeUndefined();
      }
      expect(drill(faults, 'missing-middle').error?.message).toMatch(
        /chain\/incr2 builds on a backup that started at LSN \S+ on timeline 1, which is not in the chain: the backup before it, chain\/full, .*an incremental between them is missing/,
      );
      expect(drill(faults, 'missing-middle-discovered').error?.message).toMatch(
        /gap\/incr2 builds on a backup that started at LSN \S+ on timeline 1, and no backup under .*gap\/ started there/,
      );
      expect(await pgdrillContainers(dir)).toEqual([]);
    });

    test('incrementals in the wrong order are refused with the order they belong in', () => {
      const result = drill(faults, 'wrong-order');
      expect(result.error?.code).toBe('BACKUP_CHAIN_BROKEN');
      expect(result.error?.exitCode).toBe(1);
      expect(result.error?.message).toContain('the chain is out of order: ');
      expect(result.error?.details).toContain(`in order: ${CHAIN}`);
      expect(result.engine).toBeUndefined();
    });

    test('an incremental backup without its chain is a suite error naming it', () => {
      const result = drill(faults, 'incremental-alone');
      expect(result.error?.code).toBe('INCREMENTAL_NEEDS_CHAIN');
      expect(result.error?.exitCode).toBe(2);
      expect(result.error?.message).toContain('chain/incr2 is an incremental backup');
    });

    test('a truncated tar of an incremental is BACKUP_TRUNCATED, the backup at fault (exit 1)', () => {
      const result = drill(faults, 'truncated-incremental');
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe('BACKUP_TRUNCATED');
      expect(result.error?.message).toContain('cut/incr2/base.tar');
      expect(result.error?.exitCode).toBe(1);
      expect(result.recovery).toBeUndefined();
    });

    test('no pgdrill container is left', async () => {
      expect(await pgdrillContainers(dir)).toEqual([]);
    });
  },
);
