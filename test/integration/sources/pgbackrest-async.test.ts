import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { makePgbackrestFixture, type PgbackrestFixture } from '../../../src/demo/physical/pgbackrest-fixture.js';
import type { RestoreTarget } from '../../../src/engines/engine.js';
import { preparePgbackrest } from '../../../src/sources/pgbackrest/pgbackrest-source.js';
import { pgbackrestOptionsSchema } from '../../../src/sources/pgbackrest/pgbackrest-options.js';
import type { PreparedPhysical } from '../../../src/sources/physical/physical-source.js';
import { createStore, type StoreConfig } from '../../../src/storage/create-store.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';

// pgBackRest's own prefetch (archive-async): after the first request, a detached pgBackRest process queues the
// next segments in pgdrill's private spool before PostgreSQL asks, and close() leaves none of it running.
const BUCKET = 'pgbackrest-async';
const CIPHER = 'async-cipher-pass-7';
let s3: EmbeddedS3;
let work: string;
let fixture: PgbackrestFixture;
let store: ObjectStore;
let storeConfig: StoreConfig;
const postgres = (() => {
  try {
    const [uid, gid] = ['-u', '-g'].map((f) => Number(execFileSync('id', [f, 'postgres'], { encoding: 'utf8' })));
    return { uid: uid!, gid: gid!, name: 'postgres' };
  } catch {
    return undefined;
  }
})();
const skip = !postgres ? ' (skipped: no postgres OS user)' : '';

beforeAll(async () => {
  if (skip) return;
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  work = await mkdtemp(join(tmpdir(), 'pgdrill-pgbackrest-async-'));
  await chmod(work, 0o711);
  fixture = await makePgbackrestFixture({ s3, bucket: BUCKET, workDir: work, cipherPass: CIPHER });
  Object.assign(process.env, s3.env(), { AWS_EC2_METADATA_DISABLED: 'true' });
  storeConfig = { s3: { bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, caBundle: s3.caPath } };
  store = createStore(storeConfig);
}, 600_000);

afterAll(async () => {
  await store?.close();
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** restore_command as PostgreSQL runs it: sh -c in the data directory, as the server's user. */
function restore(command: string, target: RestoreTarget, file: string): Promise<{ exitCode: number; stderr: string }> {
  const expanded = command.replace(/%([fp%])/g, (_, c: string) =>
    c === 'f' ? file : c === 'p' ? 'pg_wal/RECOVERYXLOG' : '%',
  );
  return new Promise((resolve) => {
    const child = execFile(
      'sh',
      ['-c', expanded],
      {
        cwd: target.dataDir,
        uid: target.runAs?.uid,
        gid: target.runAs?.gid,
        env: { PATH: process.env.PATH, ...serverEnv },
      },
      (_e, _out, stderr) => resolve({ exitCode: child.exitCode ?? -1, stderr }),
    );
  });
}
let serverEnv: Record<string, string> = {};

/** Processes whose command line names `dir` (the detached worker works in /, known by its lock path). */
async function processesNaming(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    if (cmdline.includes(dir)) found.push(`${pid} ${cmdline.slice(0, 160)}`);
  }
  return found;
}

/** Wait for `test` to hold (re-checked every 100 ms), up to `ms`. */
async function until(what: string, test: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`pgBackRest archive-get with its async queue${skip}`, () => {
  it.skipIf(skip !== '')(
    'queues the next segments before they are asked for, within its window, and close() stops its worker',
    async () => {
      const options = pgbackrestOptionsSchema.parse({
        store: 'lab',
        stanza: 'main',
        verifyTls: false,
        cipherPassEnv: 'LAB_CIPHER',
        prefetch: 2,
      });
      const prepared: PreparedPhysical = await preparePgbackrest({
        store,
        storeConfig,
        workDir: await mkdtemp(join(work, 'files-')),
        env: { ...s3.env(), LAB_CIPHER: CIPHER },
        options: { ...options, set: fixture.full },
      });
      const root = await mkdtemp(join(work, 'drill-'));
      await chmod(root, 0o711);
      const target: RestoreTarget = { dataDir: join(root, 'data'), scratchDir: join(root, 'scratch'), runAs: postgres };
      for (const dir of [target.dataDir, target.scratchDir]) {
        await mkdir(dir, { mode: 0o700 });
        await chown(dir, postgres!.uid, postgres!.gid);
      }
      try {
        await prepared.restore(target, {});
        const command = await prepared.restoreCommand(target, {});
        serverEnv = prepared.serverEnv({});
        expect(command).toContain('--archive-async');
        expect(command).toContain(`--archive-get-queue-max=${2 * 16 * 1024 * 1024}`);
        const archived = prepared.archive.map((s) => s.name).sort();
        const first = archived.find((s) => s >= fixture.backups[0]!.walStart)!;
        const next = archived.filter((s) => s > first).slice(0, 2);
        expect(next.length, 'the archive holds two segments after the backup start').toBe(2);

        const r = await restore(command, target, first);
        expect(r.exitCode, r.stderr).toBe(0);
        expect((await stat(join(target.dataDir, 'pg_wal/RECOVERYXLOG'))).size).toBe(16 * 1024 * 1024);
        // The worker queues what comes next, unasked, never more than the window.
        const queue = join(target.scratchDir, 'pgbackrest-spool', 'archive', 'main', 'in');
        const queued = async () =>
          (await readdir(queue).catch(() => [] as string[])).filter((n) => /^[0-9A-F]{24}$/.test(n));
        await until(`${next[0]} queued before it is asked for`, async () => (await queued()).includes(next[0]!));
        expect((await queued()).length).toBeLessThanOrEqual(2);
        const second = await restore(command, target, next[0]!);
        expect(second.exitCode, second.stderr).toBe(0);
        // Past the archive's end: "not archived" (1), as without the queue.
        const end = await restore(command, target, 'FFFFFFFF0000000000000001');
        expect(end.exitCode, end.stderr).toBe(1);
      } finally {
        await prepared.close?.();
      }
      expect(await processesNaming(target.scratchDir)).toEqual([]);
      await rm(root, { recursive: true, force: true });
    },
    600_000,
  );
});
