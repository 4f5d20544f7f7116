import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { chmod, chown, cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { makeBaseBackupFixture, type BaseBackupFixture } from '../../../src/demo/physical/basebackup-fixture.js';
import { startWalPrefetch, type WalPrefetch } from '../../../src/recovery/wal-prefetch.js';
import { createStore } from '../../../src/storage/create-store.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { leftovers, runCli, serverProcessesUnder, writeSuiteIn } from '../../support/backup-lab.js';

// The WAL prefetcher with a real archive (pg_basebackup + archive_command) in the embedded S3: the
// restore_command PostgreSQL runs is the spool script, run here exactly as PostgreSQL would run it, and
// real drills (local engine) pass, fail and are cancelled with nothing of the spool left.
const BUCKET = 'prefetch';
const SEGMENT = 16 * 1024 * 1024;
// Neither pgdrill's nor the server's: the uid a containerised server's archive_command writes as.
const OTHER_UID = 4242;
let s3: EmbeddedS3;
let work: string;
let fixture: BaseBackupFixture;
let store: ObjectStore;
let segments: string[];
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  work = await mkdtemp(join(tmpdir(), 'pgdrill-wal-prefetch-'));
  await chmod(work, 0o711);
  fixture = await makeBaseBackupFixture({ s3, bucket: BUCKET, workDir: work });
  segments = (await readdir(fixture.wal.dir.dir)).filter((name) => /^[0-9A-F]{24}$/.test(name)).sort();
  // A truncated copy of the last segment: the archive ends in a damaged segment.
  const last = segments.at(-1)!;
  for (const name of segments.slice(0, -1))
    await s3.putFile(BUCKET, `wal-short/${name}`, join(fixture.wal.dir.dir, name));
  await s3.putObject(
    BUCKET,
    `wal-short/${last}`,
    (await readFile(join(fixture.wal.dir.dir, last))).subarray(0, SEGMENT / 2),
  );
  env = { ...s3.env(), AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  Object.assign(process.env, env);
  store = createStore({ s3: { bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, caBundle: s3.caPath } });
}, 600_000);

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

/** Segments in the spool (whole or being written), sampled on every change of the spool directory. */
function observeSpool(dir: string): {
  max: () => number;
  seen: Set<string>;
  until: (test: (names: string[]) => boolean) => Promise<void>;
  stop: () => void;
} {
  let max = 0;
  const seen = new Set<string>();
  const waiters: Array<{ test: (names: string[]) => boolean; resolve: () => void }> = [];
  const sample = async () => {
    const names = await readdir(dir).catch(() => [] as string[]);
    const held = names.filter((n) => /^\.?[0-9A-F]{24}(\.part)?$/.test(n));
    max = Math.max(max, new Set(held.map((n) => n.replace(/^\.|\.part$/g, ''))).size);
    for (const n of names) if (/^[0-9A-F]{24}$/.test(n)) seen.add(n);
    for (const w of [...waiters]) if (w.test(names)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
  };
  const watcher = watch(dir, () => void sample());
  return {
    max: () => max,
    seen,
    until: (test) =>
      new Promise<void>((resolve) => {
        waiters.push({ test, resolve });
        void sample();
      }),
    stop: () => watcher.close(),
  };
}

describe('the WAL prefetcher and its restore_command (real archive in S3)', () => {
  it('has the next segments on disk before they are asked for, never more than its window, hands each over whole, then cleans its spool', async () => {
    expect(segments.length, 'the fixture archives enough segments to overflow a window of 2').toBeGreaterThanOrEqual(4);
    const dir = await mkdtemp(join(work, 'unit-'));
    const prefetch = await startWalPrefetch({ store, prefix: 'wal/', spoolDir: join(dir, 'spool'), window: 2 });
    const spool = observeSpool(prefetch.spoolDir);
    try {
      // Nothing was asked yet: the first request anchors the window, then the next one is fetched unasked.
      const first = await restore(prefetch, segments[0]!, join(dir, 'RECOVERYXLOG'));
      expect(first.exitCode, first.stderr).toBe(0);
      expect((await stat(join(dir, 'RECOVERYXLOG'))).size).toBe(SEGMENT);
      await spool.until((names) => names.includes(segments[1]!));
      for (const name of segments.slice(1)) {
        // Each one is in the spool before restore_command asks for it.
        await spool.until((names) => names.includes(name));
        const r = await restore(prefetch, name, join(dir, 'RECOVERYXLOG'));
        expect(r.exitCode, r.stderr).toBe(0);
        expect(
          Buffer.compare(await readFile(join(dir, 'RECOVERYXLOG')), await readFile(join(fixture.wal.dir.dir, name))),
        ).toBe(0);
      }
      expect(spool.max()).toBeGreaterThanOrEqual(1);
      expect(spool.max()).toBeLessThanOrEqual(2);
      // Files it did not predict: the end of the archive and a history file that is not archived.
      const next = `${segments.at(-1)!.slice(0, 16)}${(parseInt(segments.at(-1)!.slice(16), 16) + 1).toString(16).toUpperCase().padStart(8, '0')}`;
      expect((await restore(prefetch, next, join(dir, 'RECOVERYXLOG'))).exitCode).toBe(1);
      expect((await restore(prefetch, '00000002.history', join(dir, 'RECOVERYXLOG'))).exitCode).toBe(1);
      // Out of order: back to the first segment.
      const again = await restore(prefetch, segments[0]!, join(dir, 'RECOVERYXLOG'));
      expect(again.exitCode, again.stderr).toBe(0);
      const refused = await restore(prefetch, '../../etc/passwd', join(dir, 'RECOVERYXLOG'));
      expect(refused.exitCode).toBe(128);
    } finally {
      spool.stop();
      await prefetch.close();
    }
    expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
    await rm(dir, { recursive: true, force: true });
  }, 300_000);

  // A request seen while a failed fetch was still writing its answer once cleared the reason: restore_command
  // exited 128 with nothing to say (1 run in 40 under load). Several prefetchers, each asked several times.
  it('a truncated segment ends its restore_command with 128 and the reason, as fetch-wal did, every time it is asked for', async () => {
    const last = segments.at(-1)!;
    for (let round = 0; round < 6; round++) {
      const dir = await mkdtemp(join(work, 'short-'));
      const prefetch = await startWalPrefetch({ store, prefix: 'wal-short/', spoolDir: join(dir, 'spool'), window: 3 });
      try {
        for (let ask = 0; ask < 3; ask++) {
          const r = await restore(prefetch, last, join(dir, 'RECOVERYXLOG'));
          expect(r.exitCode, `round ${round}, request ${ask}`).toBe(128);
          expect(r.stderr, `round ${round}, request ${ask}`).toContain(
            `pgdrill fetch-wal: wal-short/${last} holds ${SEGMENT / 2} bytes of WAL, not a whole segment of ${SEGMENT} bytes`,
          );
        }
      } finally {
        await prefetch.close();
      }
      expect(await readdir(dir)).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('a window of 0 (wal.prefetch: 0) fetches only what is asked for, one file at a time, and hands each over whole', async () => {
    const dir = await mkdtemp(join(work, 'window0-'));
    const prefetch = await startWalPrefetch({ store, prefix: 'wal/', spoolDir: join(dir, 'spool'), window: 0 });
    const spool = observeSpool(prefetch.spoolDir);
    const asked = new Set<string>();
    try {
      for (const name of segments.slice(0, 3)) {
        asked.add(name);
        const r = await restore(prefetch, name, join(dir, 'RECOVERYXLOG'));
        expect(r.exitCode, r.stderr).toBe(0);
        expect(
          Buffer.compare(await readFile(join(dir, 'RECOVERYXLOG')), await readFile(join(fixture.wal.dir.dir, name))),
        ).toBe(0);
      }
      expect((await restore(prefetch, '00000002.history', join(dir, 'RECOVERYXLOG'))).exitCode).toBe(1);
      // Every segment that ever appeared in the spool had been asked for, and never two at once.
      expect([...spool.seen].filter((name) => !asked.has(name))).toEqual([]);
      expect(spool.max()).toBeLessThanOrEqual(1);
    } finally {
      spool.stop();
      await prefetch.close();
    }
    expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
    await rm(dir, { recursive: true, force: true });
  }, 300_000);

  // Exit 1 means "not archived" to PostgreSQL, which then promotes: a helper that cannot even start must not say it.
  it('a restore_command whose script cannot start exits above 125 (recovery stops), never 1', async () => {
    const dir = await mkdtemp(join(work, 'nostart-'));
    const prefetch = await startWalPrefetch({ store, prefix: 'wal/', spoolDir: join(dir, 'spool'), window: 0 });
    try {
      await rm(join(prefetch.spoolDir, 'restore-command.sh'));
      const r = await restore(prefetch, segments[0]!, join(dir, 'RECOVERYXLOG'));
      expect(r.exitCode, r.stderr).toBe(128);
    } finally {
      await prefetch.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('once the spool is gone (pgdrill stopped fetching), restore_command exits 128 instead of waiting', async () => {
    const dir = await mkdtemp(join(work, 'gone-'));
    const prefetch = await startWalPrefetch({ store, prefix: 'wal/', spoolDir: join(dir, 'spool'), window: 1 });
    await prefetch.close();
    const r = await restore(prefetch, segments[0]!, join(dir, 'RECOVERYXLOG'));
    expect(r.exitCode).not.toBe(0);
    expect(r.exitCode).toBeGreaterThan(125);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('base backup drills with the prefetcher (built CLI, local engine)', () => {
  const suite = (name: string, prefix: string, extra = ''): Promise<string> =>
    writeSuiteIn(
      work,
      name,
      `name: ${name}\nstorage:\n  lab:\n    s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }\n` +
        `drills:\n  - name: base\n    source: { basebackup: { store: lab, key: ${fixture.prefix}, database: shop, wal: { prefix: ${prefix}, prefetch: 2 } } }\n${extra}`,
    );
  const spoolOf = async (tmp: string) =>
    (await readdir(tmp, { recursive: true }).catch(() => [] as string[])).filter((p) => p.includes('wal-spool'));

  it("passes with the rows of the archive's end, and no spool, server or file is left", async () => {
    const r = await runCli(
      [
        'run',
        await suite(
          'pass',
          'wal/',
          `    checks:\n      - rows: { table: shop.orders, exact: ${fixture.history.rowsAfterAccident} }\n`,
        ),
        '--engine',
        'local',
      ],
      env,
      {},
      work,
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await leftovers(r.tmp)).toEqual([]);
    expect(await serverProcessesUnder(r.tmp)).toEqual([]);
  }, 600_000);

  // A server in a container archives with its own uid and 0600 files; the server here cannot read them, pgdrill can.
  const privateArchive = async (): Promise<string> => {
    const root = await mkdtemp(join(work, 'private-'));
    await cp(fixture.tarDir, join(root, 'base'), { recursive: true });
    await cp(fixture.wal.dir.dir, join(root, 'wal'), { recursive: true });
    for (const sub of ['base', 'wal']) {
      await chmod(join(root, sub), 0o700);
      for (const name of await readdir(join(root, sub))) {
        await chmod(join(root, sub, name), 0o600);
        if (process.getuid?.() === 0) await chown(join(root, sub, name), OTHER_UID, OTHER_UID);
      }
    }
    return root;
  };
  const privateSuite = (root: string, prefetch: number): Promise<string> =>
    writeSuiteIn(
      work,
      `private-${prefetch}`,
      `name: private\nstorage:\n  disk: { filesystem: { root: "${root}" } }\n` +
        `drills:\n  - name: base\n    source: { basebackup: { store: disk, key: base/, database: shop, wal: { prefix: wal/, prefetch: ${prefetch} } } }\n` +
        `    checks:\n      - rows: { table: shop.orders, exact: ${fixture.history.rowsAfterAccident} }\n`,
    );

  it('a directory archive only pgdrill can read (0600 files of another user) replays through the prefetcher', async () => {
    const root = await privateArchive();
    const r = await runCli(['run', await privateSuite(root, 2), '--engine', 'local'], env, {}, work);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await leftovers(r.tmp)).toEqual([]);
    expect(await serverProcessesUnder(r.tmp)).toEqual([]);
    await rm(root, { recursive: true, force: true });
  }, 600_000);

  // wal.prefetch: 0 fetches nothing ahead, but still in pgdrill's process: the server's user never reads the archive.
  it('with prefetch 0 the same archive replays, each file fetched by pgdrill when recovery asks for it', async () => {
    const root = await privateArchive();
    const r = await runCli(['run', await privateSuite(root, 0), '--engine', 'local'], env, {}, work);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('EACCES');
    expect(await leftovers(r.tmp)).toEqual([]);
    expect(await serverProcessesUnder(r.tmp)).toEqual([]);
    await rm(root, { recursive: true, force: true });
  }, 600_000);

  it('a truncated segment in the archive stops recovery and fails the drill, with the reason, and nothing left', async () => {
    const r = await runCli(['run', await suite('short', 'wal-short/'), '--engine', 'local'], env, {}, work);
    const output = r.stdout + r.stderr;
    expect(r.exitCode, output).not.toBe(0);
    expect(output).toContain('not a whole segment');
    expect(await leftovers(r.tmp)).toEqual([]);
    expect(await serverProcessesUnder(r.tmp)).toEqual([]);
  }, 600_000);

  it('cancelled (SIGINT) once the spool exists: exit 130 and no spool, server or file left', async () => {
    let sawSpool = false;
    const r = await runCli(
      ['run', await suite('cancel', 'wal/'), '--engine', 'local'],
      env,
      {
        interruptWhen: async (tmp) => (sawSpool ||= (await spoolOf(tmp)).length > 0),
      },
      work,
    );
    expect(sawSpool).toBe(true);
    expect(r.exitCode, r.stdout + r.stderr).toBe(130);
    expect(await leftovers(r.tmp)).toEqual([]);
    expect(await serverProcessesUnder(r.tmp)).toEqual([]);
  }, 600_000);
});
