import { execFile, execFileSync } from 'node:child_process';
import { watch } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { makeBarmanCloudFixture, type BarmanCloudFixture } from '../../../src/demo/physical/barman-cloud-fixture.js';
import { withS3Reader } from '../../../src/demo/physical/fixture-s3.js';
import type { WalPrefetch } from '../../../src/recovery/wal-prefetch.js';
import { startBarmanWalPrefetch } from '../../../src/sources/barman-cloud/barman-cloud-wal.js';
import { createStore } from '../../../src/storage/create-store.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { leftovers, runCli, serverProcessesUnder, writeSuiteIn } from '../../support/backup-lab.js';

// barman-cloud drills with pgdrill's WAL prefetcher, on a real barman-cloud archive (barman-cloud-backup,
// barman-cloud-wal-archive) in the embedded S3, copied under other prefixes with its segments gzip- and
// bzip2-compressed, the last one removed, or one gzip file damaged; the same drills with `prefetch: 0`
// (barman-cloud-wal-restore in restore_command, as before) show how each ended without the prefetcher.
const BUCKET = 'barman-prefetch';
const SEGMENT = 16 * 1024 * 1024;
const SEGMENT_KEY = /\/wals\/[0-9A-F]{16}\/([0-9A-F]{24})$/;
let s3: EmbeddedS3;
let work: string;
let fixture: BarmanCloudFixture;
let store: ObjectStore;
let segments: string[];
let env: Record<string, string>;
let damaged: string;

beforeAll(async () => {
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  work = await mkdtemp(join(tmpdir(), 'pgdrill-barman-prefetch-'));
  await chmod(work, 0o711);
  fixture = await makeBarmanCloudFixture({ s3, bucket: BUCKET, workDir: work });
  const objects = await withS3Reader(s3, async (r) => {
    const listed = await r.list(BUCKET, 'barman/');
    return Promise.all(listed.map(async (o) => ({ key: o.key, body: await r.get(BUCKET, o.key) })));
  });
  segments = objects.flatMap((o) => SEGMENT_KEY.exec(o.key)?.[1] ?? []).sort();
  // The middle of the segments after the backup's: damaged in `gzbad/`, its recovery stops there.
  damaged = segments.at(-2)!;
  for (const { key, body } of objects) {
    const rest = key.slice('barman/'.length);
    const segment = SEGMENT_KEY.exec(key)?.[1];
    if (!segment) {
      for (const prefix of ['gz', 'bz2', 'short', 'gzbad']) await s3.putObject(BUCKET, `${prefix}/${rest}`, body);
      continue;
    }
    const gz = gzipSync(body);
    await s3.putObject(BUCKET, `gz/${rest}.gz`, gz);
    await s3.putObject(
      BUCKET,
      `bz2/${rest}.bz2`,
      execFileSync('bzip2', ['-c'], { input: body, maxBuffer: 2 * SEGMENT }),
    );
    if (segment < fixture.history.lastArchivedWal) await s3.putObject(BUCKET, `short/${rest}`, body);
    // Bytes flipped in the middle of the deflate stream: gunzip fails on it (or on its CRC).
    if (segment === damaged) for (let i = 200; i < 260; i++) gz[i] = gz[i]! ^ 0xff;
    await s3.putObject(BUCKET, `gzbad/${rest}.gz`, gz);
  }
  env = { ...s3.env(), AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // The prefetcher runs in this process in the first tests: it reads the embedded S3 with these credentials.
  Object.assign(process.env, env);
  store = createStore({ s3: { bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, caBundle: s3.caPath } });
}, 900_000);

afterAll(async () => {
  await store?.close();
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Run the prefetcher's restore_command for `name` as PostgreSQL does (sh -c, %f and %p expanded). */
function restore(prefetch: WalPrefetch, name: string, into: string): Promise<{ exitCode: number; stderr: string }> {
  const command = prefetch.restoreCommand.replace(/%([fp%])/g, (_, c: string) =>
    c === 'f' ? name : c === 'p' ? into : '%',
  );
  return new Promise((resolve) => {
    const child = execFile('sh', ['-c', command], (_e, _out, stderr) =>
      resolve({ exitCode: child.exitCode ?? -1, stderr }),
    );
  });
}

/** Resolves once `name` is in the spool (whole: the fetcher renames it there when complete). */
function spooled(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const look = async () => {
      if ((await readdir(dir).catch(() => [] as string[])).includes(name)) {
        watcher.close();
        resolve();
      }
    };
    const watcher = watch(dir, () => void look());
    void look();
  });
}

const fallback = (prefix: string) => ({
  args: ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint, `s3://${BUCKET}/${prefix}`, fixture.serverName],
  env: { ...s3.env(), AWS_CA_BUNDLE: s3.caPath },
});

describe('the prefetcher on a barman-cloud archive', () => {
  for (const [prefix, how] of [
    ['gz', 'gzip files read by pgdrill'],
    ['bz2', 'bzip2 files fetched by barman-cloud-wal-restore'],
  ] as const)
    it(`has the next segment in its spool before it is asked for, and hands each over whole (${how})`, async () => {
      expect(segments.length, 'the fixture archives at least 3 segments').toBeGreaterThanOrEqual(3);
      const dir = await mkdtemp(join(work, `unit-${prefix}-`));
      const prefetch = await startBarmanWalPrefetch({
        store,
        walsPrefix: `${prefix}/${fixture.serverName}/wals`,
        window: 2,
        fallback: fallback(prefix),
        spoolDir: join(dir, 'spool'),
      });
      try {
        const first = await restore(prefetch, segments[0]!, join(dir, 'RECOVERYXLOG'));
        expect(first.exitCode, first.stderr).toBe(0);
        for (const name of segments.slice(1)) {
          // Nobody asked for it yet: the fetcher got it because recovery asked for the one before.
          await spooled(prefetch.spoolDir, name);
          const r = await restore(prefetch, name, join(dir, 'RECOVERYXLOG'));
          expect(r.exitCode, r.stderr).toBe(0);
          expect((await stat(join(dir, 'RECOVERYXLOG'))).size).toBe(SEGMENT);
        }
        const history = await restore(prefetch, '00000002.history', join(dir, 'RECOVERYXLOG'));
        expect(history.exitCode, 'a history file that is not archived is the end of the archive').toBe(1);
      } finally {
        await prefetch.close();
      }
      expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
      await rm(dir, { recursive: true, force: true });
    }, 300_000);
});

interface Outcome {
  exitCode: number;
  output: string;
  status: string;
  reached?: boolean;
  rows?: string;
}

/** A barmanCloud drill of `prefix` to the end of the archive, counting the rows of the end of the history. */
async function drill(prefix: string, prefetch: number): Promise<Outcome> {
  const name = `${prefix}-${prefetch}`;
  const suite = await writeSuiteIn(
    work,
    name,
    `name: ${name}\nstorage:\n  lab:\n    s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }\n` +
      `drills:\n  - name: barman\n    source: { barmanCloud: { store: lab, prefix: ${prefix}, server: ${fixture.serverName}, database: shop, prefetch: ${prefetch} } }\n` +
      `    checks:\n      - rows: { table: shop.orders, exact: ${fixture.history.rowsAfterAccident} }\n`,
  );
  const json = join(work, `${name}.json`);
  const r = await runCli(['run', suite, '--engine', 'local', '--json', json], env, {}, work);
  expect(await leftovers(r.tmp)).toEqual([]);
  expect(await serverProcessesUnder(r.tmp)).toEqual([]);
  const report = JSON.parse(await readFile(json, 'utf8')) as {
    drills: Array<{
      status: string;
      recovery?: { reached: boolean };
      checks: Array<{ name: string; status: string; actual?: unknown }>;
    }>;
  };
  const d = report.drills[0]!;
  const rows = d.checks.find((c) => c.name.startsWith('rows'));
  return {
    exitCode: r.exitCode,
    output: r.stdout + r.stderr,
    status: d.status,
    reached: d.recovery?.reached,
    rows: rows ? `${rows.status} ${String(rows.actual)}` : undefined,
  };
}

describe('barmanCloud drills with the prefetcher (built CLI, local engine)', () => {
  it('pass on gzip and bzip2 archives with the rows of the end of the archive', async () => {
    for (const prefix of ['gz', 'bz2']) {
      const r = await drill(prefix, 8);
      expect(r.exitCode, r.output).toBe(0);
      expect(r.reached).toBe(true);
    }
  }, 900_000);

  it('an archive that ends before the last commit ends as it did with barman-cloud-wal-restore alone', async () => {
    const before = await drill('short', 0);
    const now = await drill('short', 8);
    // Not archived: exit 1 both ways, the end of the archive; the rows of its end fall short of the history's.
    expect(before.exitCode, before.output).toBe(1);
    expect(before.rows, before.output).toMatch(/^failed /);
    expect(now, now.output).toEqual({ ...before, output: now.output });
  }, 900_000);

  it('a damaged gzip segment fails the drill as it did, now naming the segment and what gunzip said', async () => {
    const before = await drill('gzbad', 0);
    const now = await drill('gzbad', 8);
    // Before: barman-cloud-wal-restore exited 4, which PostgreSQL takes for "not archived": it promoted at the
    // damage and the recovery proof failed. Now restore_command exits 128: recovery stops there, loudly.
    expect(before.exitCode, before.output).toBe(1);
    expect(before.reached, before.output).toBe(false);
    expect(now.exitCode, now.output).toBe(1);
    expect(now.status).toBe(before.status);
    expect(now.output).toContain('RECOVERY_FAILED');
    expect(now.output).toContain(`${damaged}.gz`);
  }, 900_000);
});
