import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import { makeBaseBackupFixture, type BaseBackupFixture } from '../../src/demo/physical/basebackup-fixture.js';
import type { FetchWalConfig } from '../../src/recovery/fetch-wal-config.js';
import type { S3StoreOptions } from '../../src/storage/s3-store.js';
import { leftovers, runCli, serverProcessesUnder, writeSuiteIn } from '../support/backup-lab.js';
import { FaultProxy, type FaultPlan } from '../support/fault-proxy.js';

// Faults on the S3 connection while a base backup and its WAL segments are read: a one-shot cut, reset or
// stall resumes and the result is whole; a persistent one fails as storage (fetch-wal exit 128, drill exit 3).
const BUCKET = 'faults';
const SEGMENT = 16 * 1024 * 1024;
const FETCH_WAL = join(import.meta.dirname, '..', '..', 'dist', 'recovery', 'fetch-wal.js');
let s3: EmbeddedS3;
let proxy: FaultProxy;
let work: string;
let fixture: BaseBackupFixture;
let segment: string;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  work = await mkdtemp(join(tmpdir(), 'pgdrill-faults-physical-'));
  await chmod(work, 0o711);
  fixture = await makeBaseBackupFixture({ s3, bucket: BUCKET, workDir: work });
  segment = (await readdir(fixture.wal.dir.dir)).filter((name) => /^[0-9A-F]{24}$/.test(name)).sort()[0]!;
  const whole = await readFile(join(fixture.wal.dir.dir, segment));
  await s3.putObject(BUCKET, `wal-short/${segment}`, whole.subarray(0, SEGMENT / 2));
  proxy = await FaultProxy.start({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
  env = { ...s3.env(), AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Fetched {
  exitCode: number;
  stderr: string;
  file?: Buffer;
  left: string[];
}

async function fetchWal(prefix: string, name: string, store: Partial<S3StoreOptions> = {}): Promise<Fetched> {
  const config: FetchWalConfig = {
    store: {
      s3: {
        bucket: BUCKET,
        endpoint: proxy.endpoint,
        forcePathStyle: true,
        caBundle: s3.caPath,
        readRetryDelayMs: 10,
        ...store,
      },
    },
    prefix,
  };
  const dir = await mkdtemp(join(work, 'fetch-'));
  const destination = join(dir, 'RECOVERYXLOG');
  const encoded = Buffer.from(JSON.stringify(config)).toString('base64url');
  const { exitCode, stderr } = await new Promise<{ exitCode: number; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [FETCH_WAL, encoded, name, destination],
      { env: { ...process.env, ...env } },
      (_e, _out, err) => resolve({ exitCode: child.exitCode ?? -1, stderr: err }),
    );
  });
  const file = exitCode === 0 ? await readFile(destination) : undefined;
  const left = (await readdir(dir)).filter((f) => f !== 'RECOVERYXLOG');
  await rm(dir, { recursive: true, force: true });
  return { exitCode, stderr, file, left };
}

async function localSegment(): Promise<Buffer> {
  return readFile(join(fixture.wal.dir.dir, segment));
}

describe('a WAL segment fetched by restore_command (fetch-wal) through a faulty S3 connection', () => {
  const oneShot: [string, FaultPlan, Partial<S3StoreOptions>][] = [
    ['cut', { mode: 'cut', afterBytes: 4 * 1024 * 1024, connections: 1 }, {}],
    ['reset', { mode: 'reset', afterBytes: 4 * 1024 * 1024, connections: 1 }, {}],
    ['stall', { mode: 'stall', afterBytes: 4 * 1024 * 1024, connections: 1 }, { readIdleTimeoutMs: 300 }],
  ];
  for (const [name, plan, store] of oneShot) {
    it(`resumes a raw segment after a one-shot ${name} and writes the whole segment`, async () => {
      proxy.inject(plan);
      const r = await fetchWal('wal/', segment, store);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(proxy.faults).toHaveLength(1);
      expect(r.file!.equals(await localSegment())).toBe(true);
      expect(r.stderr).toMatch(new RegExp(`resuming wal/${segment} at byte \\d+ of ${SEGMENT} \\(attempt 2\\)`));
      expect(r.left).toEqual([]);
    });
  }

  it('resumes a .gz segment after a one-shot cut and writes the decompressed segment', async () => {
    proxy.inject({ mode: 'cut', afterBytes: 8 * 1024, connections: 1 });
    const r = await fetchWal('wal-gz/', segment);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(proxy.faults).toHaveLength(1);
    expect(r.file!.equals(await localSegment())).toBe(true);
  });

  const persistent: [string, FaultPlan, Partial<S3StoreOptions>, RegExp][] = [
    ['cut', { mode: 'cut', afterBytes: 1024 * 1024, connections: 'every' }, {}, /after 5 attempts: /],
    ['reset', { mode: 'reset', afterBytes: 1024 * 1024, connections: 'every' }, {}, /after 5 attempts: /],
    [
      'stall',
      { mode: 'stall', afterBytes: 1024 * 1024, connections: 'every' },
      { readIdleTimeoutMs: 200, readAttempts: 2 },
      /after 2 attempts: no bytes for 200 ms/,
    ],
  ];
  for (const [name, plan, store, reason] of persistent) {
    it(`exits 128 with the bytes read of the segment size when every connection is ${name}, leaving no partial file`, async () => {
      proxy.inject(plan);
      const r = await fetchWal('wal/', segment, store);
      expect(r.exitCode).toBe(128);
      expect(r.stderr).toMatch(
        new RegExp(
          `pgdrill fetch-wal: STORAGE_READ_INCOMPLETE: Read \\d+ of ${SEGMENT} bytes of s3://${BUCKET}/wal/${segment}`,
        ),
      );
      expect(r.stderr).toMatch(reason);
      expect(r.file).toBeUndefined();
      expect(r.left).toEqual([]);
      proxy.dropAll();
    });
  }

  it('exits 128 for a stored segment that is not a whole segment', async () => {
    proxy.inject({ mode: 'none', afterBytes: 0 });
    const r = await fetchWal('wal-short/', segment);
    expect(r.exitCode).toBe(128);
    expect(r.stderr).toContain(
      `wal-short/${segment} holds ${SEGMENT / 2} bytes of WAL, not a whole segment of ${SEGMENT} bytes`,
    );
    expect(r.left).toEqual([]);
  });

  it('exits 1 for a segment that is not archived', async () => {
    proxy.inject({ mode: 'none', afterBytes: 0 });
    const r = await fetchWal('wal/', 'FFFFFFFF0000000000000001');
    expect(r.exitCode, r.stderr).toBe(1);
  });
});

describe('a base backup drill through a faulty S3 connection (built CLI)', () => {
  const suite = async (name: string): Promise<string> =>
    writeSuiteIn(
      work,
      name,
      `name: ${name}\nstorage:\n  lab:\n    s3: { bucket: ${BUCKET}, endpoint: "${proxy.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }\n` +
        `drills:\n  - name: base\n    source: { basebackup: { store: lab, key: ${fixture.prefix}, database: shop, wal: { prefix: wal/ } } }\n` +
        `    checks:\n      - rows: { table: shop.orders, exact: ${fixture.history.rowsAfterAccident} }\n`,
    );

  it('passes after a one-shot cut of the base backup download, with the same rows', async () => {
    proxy.inject({ mode: 'cut', afterBytes: 256 * 1024, connections: 1 });
    const junit = join(work, 'oneshot.xml');
    const r = await runCli(['run', await suite('oneshot'), '--junit', junit], env, {}, work);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(proxy.faults.length).toBeGreaterThanOrEqual(1);
    expect(await readFile(junit, 'utf8')).not.toMatch(/<error|<failure/);
    expect(await leftovers(r.tmp)).toEqual([]);
    expect(await serverProcessesUnder(r.tmp)).toEqual([]);
  });

  for (const mode of ['cut', 'reset'] as const) {
    it(`fails as storage (exit 3, <error>, bytes read of bytes expected) when every connection is ${mode}`, async () => {
      proxy.inject({ mode, afterBytes: 256 * 1024, connections: 'every' });
      const junit = join(work, `every-${mode}.xml`);
      const r = await runCli(['run', await suite(`every-${mode}`), '--junit', junit], env, {}, work);
      const output = r.stdout + r.stderr;
      expect(r.exitCode, output).toBe(3);
      expect(output).toMatch(
        new RegExp(
          `STORAGE_READ_INCOMPLETE: Read \\d+ of \\d+ bytes of s3://${BUCKET}/${fixture.prefix}\\S+ after 5 attempts`,
        ),
      );
      const xml = await readFile(junit, 'utf8');
      expect(xml).toMatch(/<error [^>]*type="STORAGE_READ_INCOMPLETE"/);
      expect(xml).not.toContain('<failure');
      expect(await leftovers(r.tmp)).toEqual([]);
      expect(await serverProcessesUnder(r.tmp)).toEqual([]);
      proxy.dropAll();
    });
  }
});
