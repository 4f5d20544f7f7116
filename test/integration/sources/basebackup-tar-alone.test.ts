import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { listArchivedWal } from '../../../src/demo/physical/archived-wal.js';
import { makeBaseBackupFixture, type BaseBackupFixture } from '../../../src/demo/physical/basebackup-fixture.js';
import type { DrillResult, RunResult } from '../../../src/index.js';
import { leftovers, runCli, serverProcessesUnder, writeSuiteIn } from '../../support/backup-lab.js';

// The commonest upload of pg_basebackup -Ft -z: base.tar.gz alone (backup_label inside it, no
// backup_manifest, no pg_wal.tar.gz). The WAL start is read from the tar, so a gap is named before replay.
const execFileAsync = promisify(execFile);
const BUCKET = 'alone';
let s3: EmbeddedS3;
let dir: string;
let fixture: BaseBackupFixture;
let start: string;
let victim: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-tar-alone-'));
  await chmod(dir, 0o711);
  s3 = await startEmbeddedS3();
  await s3.createBucket(BUCKET);
  fixture = await makeBaseBackupFixture({ s3, bucket: BUCKET, workDir: dir });
  await s3.putFile(BUCKET, 'alone/base.tar.gz', join(fixture.tarDir, 'base.tar.gz'));
  const gz = await readFile(join(fixture.tarDir, 'base.tar.gz'));
  await s3.putObject(BUCKET, 'cut/base.tar.gz', gz.subarray(0, Math.floor(gz.length * 0.7)));
  // The tar backup ran first, so its .backup file sorts first; its name starts with the backup's first segment.
  const labels = (await readdir(fixture.wal.dir.dir)).filter((f) => f.endsWith('.backup')).sort();
  start = labels[0]!.slice(0, 24);
  const segments = (await listArchivedWal(s3, fixture.wal.dir)).map((s) => s.segment);
  victim = segments.find((s) => s > start)!;
  for (const segment of segments) {
    await s3.putFile(BUCKET, `whole-wal/${segment}`, join(fixture.wal.dir.dir, segment));
    if (segment !== victim) await s3.putFile(BUCKET, `gap-wal/${segment}`, join(fixture.wal.dir.dir, segment));
  }
  const s3Env = {
    ...s3.env(),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  env = s3Env;
}, 600_000);

afterAll(async () => {
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Through the built CLI, as a user runs it.
async function runDrill(
  name: string,
  walPrefix: string,
  key = 'alone',
  tmpParent = dir,
): Promise<{ drill: DrillResult; exitCode: number; output: string; junit: string; tmp: string }> {
  const file = await writeSuiteIn(
    dir,
    name,
    `name: ${name}
storage:
  lab:
    s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }
drills:
  - name: ${name}
    source: { basebackup: { store: lab, key: ${key}, database: shop, wal: { prefix: ${walPrefix} } } }
    checks:
      - rows: { table: shop.orders, min: 1 }
`,
  );
  const json = join(dir, `${name}.json`);
  const junit = join(dir, `${name}.xml`);
  const cli = await runCli(['run', file, '--json', json, '--junit', junit, '--no-disk-check'], env, {}, tmpParent);
  const run = JSON.parse(await readFile(json, 'utf8')) as RunResult;
  return {
    drill: run.drills[0]!,
    exitCode: cli.exitCode,
    output: cli.stdout + cli.stderr,
    junit: await readFile(junit, 'utf8'),
    tmp: cli.tmp,
  };
}

describe('base.tar.gz uploaded alone', () => {
  test('fixture: only base.tar.gz under alone/, and a segment after its start is left out of gap-wal/', () => {
    expect(start).toMatch(/^[0-9A-F]{24}$/);
    expect(victim > start).toBe(true);
  });

  test('a deleted segment is named up front (WAL_GAP), before any server starts or WAL is replayed', async () => {
    const { drill, exitCode, output, junit, tmp } = await runDrill('gap', 'gap-wal/');
    expect(exitCode, output).toBe(1);
    expect(drill.status).toBe('failed');
    expect(drill.error?.code).toBe('WAL_GAP');
    expect(output).toContain(`WAL_GAP: the WAL archive lacks segment ${victim} between the backup's start (${start})`);
    expect(junit).toContain('<failure ');
    expect(drill.engine).toBeUndefined();
    expect(drill.recovery).toBeUndefined();
    expect(await serverProcessesUnder(tmp)).toEqual([]);
    expect(await leftovers(tmp)).toEqual([]);
  }, 300_000);

  test('with every segment, the same backup restores and replays from the start read out of the tar', async () => {
    const { drill, exitCode, output } = await runDrill('whole', 'whole-wal/');
    expect(drill.error, output).toBeUndefined();
    expect(exitCode, output).toBe(0);
    expect(drill.recovery?.segmentsRestored).toBeGreaterThan(0);
  }, 300_000);

  test('cut at 70 % (stored so), it fails as the backup fault (exit 1), naming the cut gzip stream', async () => {
    const { drill, exitCode, output, junit, tmp } = await runDrill('cut', 'whole-wal/', 'cut');
    expect(exitCode, output).toBe(1);
    expect(drill.status).toBe('failed');
    expect(output).toMatch(/BACKUP_TRUNCATED: .*cut\/base\.tar\.gz stops in the middle of its gzip stream/);
    expect(junit).toContain('<failure ');
    expect(await serverProcessesUnder(tmp)).toEqual([]);
    expect(await leftovers(tmp)).toEqual([]);
  }, 300_000);

  test('extracted onto a full disk (TMPDIR on a 16 MB tmpfs): DISK_FULL naming the data directory, exit 3 (skips when tmpfs cannot be mounted: not root)', async (ctx) => {
    const disk = await mkdtemp(join(tmpdir(), 'pgdrill-tmpfs-'));
    const mounted =
      process.getuid?.() === 0 &&
      (await execFileAsync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0711', 'tmpfs', disk]).then(
        () => true,
        () => false,
      ));
    if (!mounted) {
      await rm(disk, { recursive: true, force: true });
      return ctx.skip();
    }
    try {
      const { exitCode, output, junit, tmp } = await runDrill('full', 'whole-wal/', 'alone', disk);
      expect(exitCode, output).toBe(3);
      expect(output).toMatch(
        new RegExp(
          `DISK_FULL: no space left on the disk of ${tmp}/\\S+ while restoring .*alone \\(.* free of 16\\.0 MiB\\)`,
        ),
      );
      expect(junit).toContain('<error ');
      expect(await serverProcessesUnder(tmp)).toEqual([]);
      expect(await leftovers(tmp)).toEqual([]);
    } finally {
      await execFileAsync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
  }, 300_000);
});
