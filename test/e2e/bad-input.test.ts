import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import type { DumpSpec } from '../../src/demo/make-dump.js';
import {
  BUCKET,
  leftovers,
  runCli,
  serverProcessesUnder,
  startBackupLab,
  type BackupLab,
} from '../support/backup-lab.js';

const execFileAsync = promisify(execFile);

// Every bad input through the built CLI: a clear message, the right exit code, a JUnit <failure> or
// <error>, and nothing left behind (no server process, no file in the run's TMPDIR).
let lab: BackupLab;

beforeAll(async () => {
  lab = await startBackupLab({
    extra: async ({ server, s3, put }) => {
      const good = await put('broken/good.dump', { format: 'custom' });
      const bytes = await readFile(good);
      await s3.putObject(BUCKET, 'broken/truncated.dump', bytes.subarray(0, Math.floor(bytes.length * 0.75)));
      const flipped = Buffer.from(bytes);
      flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
      await s3.putObject(BUCKET, 'broken/flipped.dump', flipped);
      await makeTruncatedArchives(s3, put);
      await server.runClient('psql', ['-X', '-q', '-d', 'shop', '-c', "SELECT setval('shop.orders_id_seq', 10)"]);
      await put('broken/seq-behind.dump', { format: 'custom' });
      // Random text barely compresses: a dump of some MB that restores to tens of MB.
      await server.runClient('psql', [
        '-X',
        '-q',
        '-d',
        'shop',
        '-c',
        'CREATE TABLE shop.filler AS SELECT g, md5(random()::text) || md5(random()::text) AS t FROM generate_series(1, 300000) g',
      ]);
      await put('big/filler.dump', { format: 'custom' });
    },
  });
}, 300_000);

afterAll(async () => {
  await lab?.close();
});

/**
 * Archives cut the ways real uploads get cut, on S3 and in a directory (the `disk` store, at <lab>/fs):
 * a plain dump at a line boundary, a tar without its end blocks, custom dumps short of their end, a
 * directory dump with a data file cut or missing, encrypted objects cut mid-block and at a block boundary.
 */
async function makeTruncatedArchives(
  s3: EmbeddedS3,
  put: (key: string, spec: DumpSpec) => Promise<string>,
): Promise<void> {
  const both = async (key: string, bytes: Buffer, fsRoot: string) => {
    await s3.putObject(BUCKET, key, bytes);
    await mkdir(dirname(join(fsRoot, key)), { recursive: true });
    await writeFile(join(fsRoot, key), bytes);
  };
  const plainPath = await put('cut/good.sql', { format: 'plain' });
  const fsRoot = join(dirname(plainPath), 'fs');
  const plain = await readFile(plainPath);
  await both('cut/good.sql', plain, fsRoot);
  const lineEnd = plain.lastIndexOf('\n', Math.floor(plain.length * 0.6)) + 1;
  await both('cut/at-line.sql', plain.subarray(0, lineEnd), fsRoot);
  const tar = await readFile(await put('cut/good.tar', { format: 'tar' }));
  let end = tar.length;
  while (end > 0 && tar[end - 1] === 0) end--;
  await both('cut/no-end.tar', tar.subarray(0, Math.ceil(end / 512) * 512), fsRoot);
  await both('cut/half.tar', tar.subarray(0, Math.floor(tar.length / 2)), fsRoot);
  const custom = await readFile(await put('cut/good.dump', { format: 'custom' }));
  await both('cut/good.dump', custom, fsRoot);
  await both('cut/one-byte-short.dump', custom.subarray(0, custom.length - 1), fsRoot);
  await both('cut/99.dump', custom.subarray(0, Math.floor(custom.length * 0.99)), fsRoot);
  const dir = await put('cut/good-dir', { format: 'directory' });
  const files = await readdir(dir);
  const sizes = await Promise.all(files.map(async (f) => ({ f, size: (await stat(join(dir, f))).size })));
  const biggest = sizes.filter((x) => x.f !== 'toc.dat').sort((a, b) => b.size - a.size)[0]!;
  await cp(dir, join(fsRoot, 'cut/good-dir'), { recursive: true });
  await cp(dir, join(fsRoot, 'cut/dir-data-cut'), { recursive: true });
  await truncate(join(fsRoot, 'cut/dir-data-cut', biggest.f), Math.floor(biggest.size / 2));
  await cp(dir, join(fsRoot, 'cut/dir-data-short'), { recursive: true });
  await truncate(join(fsRoot, 'cut/dir-data-short', biggest.f), biggest.size - 8);
  const gz = await readFile(await put('cut/good.dump.gz', { format: 'custom', compress: 'gzip' }));
  await both('cut/gzip-cut.dump.gz', gz.subarray(0, Math.floor(gz.length * 0.8)), fsRoot);
  const enc = await readFile(
    await put('cut/good.dump.gz.enc', {
      format: 'custom',
      compress: 'gzip',
      encrypt: { passphrase: 'set-at-runtime' },
    }),
  );
  await both('cut/mid-block.dump.gz.enc', enc.subarray(0, enc.length - 7), fsRoot);
  await both('cut/at-block.dump.gz.enc', enc.subarray(0, 16 + Math.floor(((enc.length - 16) * 0.8) / 16) * 16), fsRoot);
}

interface Case {
  name: string;
  suite: (storage: string) => string;
  exitCode: number;
  message: RegExp;
  junit: 'failure' | 'error';
  env?: Record<string, string>;
  /** Output that must not appear (a wrong cause). */
  absent?: RegExp;
  /** The reason JUnit gives for the checks that never ran. */
  notRun?: string;
}

const drill =
  (source: string, checks = '') =>
  (storage: string) =>
    `name: bad\n${storage}drills:\n  - name: d\n    source: { pgdump: { store: lab, database: shop, ${source} } }\n${checks}`;
// The same archives in a directory store (`disk`), beside the S3 bucket.
const onDisk =
  (source: string, checks = '') =>
  (storage: string) =>
    `name: bad\n${storage}  disk: { filesystem: { root: fs } }\ndrills:\n  - name: d\n    source: { pgdump: { store: disk, database: shop, ${source} } }\n${checks}`;
const rowsChecked = '    checks:\n      - rows: { table: shop.orders, exact: 20000 }\n';
const notTheKey = /the key in .* is wrong|bad decrypt/;

const cases: Case[] = [
  {
    name: 'malformed YAML',
    suite: () => 'name: bad\ndrills: [ { name: d\n',
    exitCode: 2,
    message: /is not valid YAML.*\n.*line \d+/,
    junit: 'error',
  },
  {
    name: 'unknown key',
    suite: drill('key: formats/shop.dump', '    checks:\n      - rows: { table: shop.users, min: 1, maxx: 5 }\n'),
    exitCode: 2,
    message: /drills\[0\]\.checks\[0\]\.rows \(line 9\): unknown key "maxx"/,
    junit: 'error',
  },
  {
    name: 'missing env var',
    suite: drill('prefix: "${PGDRILL_TEST_UNSET_PREFIX}"'),
    exitCode: 2,
    message: /drills\[0\]\.source\.pgdump\.prefix.*environment variable PGDRILL_TEST_UNSET_PREFIX is not set/,
    junit: 'error',
  },
  {
    name: 'no backup under the prefix',
    suite: drill('prefix: nothing-here/'),
    exitCode: 1,
    message: /BACKUP_NOT_FOUND: .*nothing-here/,
    junit: 'failure',
  },
  {
    name: 'truncated dump',
    suite: drill('key: broken/truncated.dump', rowsChecked),
    exitCode: 1,
    message:
      /RESTORE_FAILED: .*broken\/truncated\.dump.*\n(.*\n)*.*(end of file|could not read|possibly corrupt archive)/,
    junit: 'failure',
    notRun: 'not run: the restore failed',
  },
  {
    name: 'a dump with one byte changed',
    suite: drill('key: broken/flipped.dump'),
    exitCode: 1,
    message: /RESTORE_FAILED: .*broken\/flipped\.dump/,
    junit: 'failure',
  },
  {
    name: 'wrong decryption key',
    suite: drill('key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY }'),
    env: { LAB_KEY: 'not-the-key' },
    exitCode: 1,
    message: /DECRYPT_FAILED: .*shop\.dump\.gz\.enc/,
    junit: 'failure',
  },
  {
    name: 'plain dump cut at a line boundary (S3)',
    suite: drill('key: cut/at-line.sql'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/at-line\.sql was read whole \(\d+ bytes\) but the dump stops before its end/,
    junit: 'failure',
  },
  {
    name: 'plain dump cut at a line boundary (disk)',
    suite: onDisk('key: cut/at-line.sql'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/at-line\.sql was read whole \(\d+ bytes\).*PostgreSQL database dump complete/,
    junit: 'failure',
  },
  {
    name: 'tar dump without its end blocks',
    suite: drill('key: cut/no-end.tar'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/no-end\.tar.*two zero blocks/,
    junit: 'failure',
  },
  // pg_restore spins at the end of this one instead of exiting; the end check stops it.
  {
    name: 'tar dump cut in half',
    suite: drill('key: cut/half.tar'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/half\.tar.*two zero blocks/,
    junit: 'failure',
  },
  {
    name: 'custom dump one byte short (streamed)',
    suite: drill('key: cut/one-byte-short.dump, jobs: 1'),
    exitCode: 1,
    message: /(RESTORE_FAILED|DUMP_TRUNCATED): .*cut\/one-byte-short\.dump/,
    junit: 'failure',
  },
  {
    name: 'custom dump one byte short (parallel, in place)',
    suite: onDisk('key: cut/one-byte-short.dump, jobs: 2'),
    exitCode: 1,
    message: /(RESTORE_FAILED|DUMP_TRUNCATED): .*cut\/one-byte-short\.dump/,
    junit: 'failure',
  },
  {
    name: 'custom dump cut at 99 % (parallel, downloaded)',
    suite: drill('key: cut/99.dump, jobs: 2'),
    exitCode: 1,
    message: /(RESTORE_FAILED|DUMP_TRUNCATED|ARCHIVE_UNREADABLE): .*cut\/99\.dump/,
    junit: 'failure',
  },
  {
    name: 'directory dump with a data file cut in half',
    suite: onDisk('key: cut/dir-data-cut'),
    exitCode: 1,
    message: /(RESTORE_FAILED|DUMP_TRUNCATED): .*cut\/dir-data-cut/,
    junit: 'failure',
  },
  {
    name: 'directory dump with a data file 8 bytes short',
    suite: onDisk('key: cut/dir-data-short'),
    exitCode: 1,
    message: /(RESTORE_FAILED|DUMP_TRUNCATED): .*cut\/dir-data-short/,
    junit: 'failure',
  },
  {
    name: 'gzip dump cut (stored whole)',
    suite: drill('key: cut/gzip-cut.dump.gz'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/gzip-cut\.dump\.gz.*compressed stream stops before its end/,
    junit: 'failure',
  },
  {
    name: 'wrong key when the suite says gzip',
    suite: drill('key: formats/shop.dump.gz.enc, compression: gzip, decrypt: { keyEnv: LAB_KEY }'),
    env: { LAB_KEY: 'not-the-key' },
    exitCode: 1,
    message: /DECRYPT_FAILED: .*shop\.dump\.gz\.enc.*did not give a gzip stream/,
    junit: 'failure',
  },
  {
    name: 'encrypted dump cut mid-block',
    suite: drill('key: cut/mid-block.dump.gz.enc, decrypt: { keyEnv: LAB_KEY }'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/mid-block\.dump\.gz\.enc ends mid-block/,
    junit: 'failure',
    absent: notTheKey,
  },
  {
    name: 'encrypted dump cut at a block boundary',
    suite: drill('key: cut/at-block.dump.gz.enc, decrypt: { keyEnv: LAB_KEY }'),
    exitCode: 1,
    message: /DUMP_TRUNCATED: .*cut\/at-block\.dump\.gz\.enc/,
    junit: 'failure',
    absent: notTheKey,
  },
  {
    name: 'an expected table missing',
    suite: drill('key: formats/shop.dump', '    checks:\n      - schema: { tables: [shop.users, shop.invoices] }\n'),
    exitCode: 1,
    message: /✗ schema.*\n(.*\n)*.*shop\.invoices/,
    junit: 'failure',
  },
  {
    name: 'a sequence behind its column',
    suite: drill('key: broken/seq-behind.dump', '    checks:\n      - sequences: {}\n'),
    exitCode: 1,
    message: /✗ sequences(.*\n)*.*orders_id_seq/,
    junit: 'failure',
  },
  {
    name: 'too few rows',
    suite: drill('key: formats/shop.dump', '    checks:\n      - rows: { table: shop.orders, min: 1000000 }\n'),
    exitCode: 1,
    message: /✗ rows shop\.orders >= 1000000.*\n(.*\n)*.*expected at least 1000000/,
    junit: 'failure',
  },
  {
    name: 'unreachable storage',
    suite: () =>
      `name: bad\nstorage:\n  lab: { s3: { bucket: ${BUCKET}, endpoint: "https://127.0.0.1:9", forcePathStyle: true } }\ndrills:\n  - name: d\n    source: { pgdump: { store: lab, key: formats/shop.dump } }\n${rowsChecked}`,
    exitCode: 3,
    message: /STORAGE_UNREACHABLE: .*127\.0\.0\.1:9/,
    junit: 'error',
    notRun: 'not run: the restore could not finish (STORAGE_UNREACHABLE)',
  },
];

describe('bad input ends with a clear message, the right exit code, JUnit, and nothing left behind', () => {
  test.each(cases)('$name', async (c) => {
    const file = await lab.writeSuite(`bad-${c.name.replace(/\W+/g, '-')}`, c.suite(lab.storageYaml));
    const junit = join(lab.dir, `${c.name.replace(/\W+/g, '-')}.junit.xml`);
    const result = await lab.runCli(['run', file, '--junit', junit], { env: c.env });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output).toBe(c.exitCode);
    expect(output).toMatch(c.message);
    if (c.absent) expect(output).not.toMatch(c.absent);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain(`<${c.junit} `);
    // A check that never ran is still listed, so a CI history keeps every check the suite asked for.
    if (c.notRun)
      expect(xml).toMatch(
        new RegExp(
          `<testcase [^>]*name="rows shop.orders"[^>]*>\\s*<skipped message="${c.notRun.replace(/[()]/g, '\\$&')}"/>`,
        ),
      );
    expect(await serverProcessesUnder(result.tmp)).toEqual([]);
    expect(await leftovers(result.tmp)).toEqual([]);
  });
});

// Reports that cannot be written: the run's evidence is missing, a clear exit 3 and no stack trace.
test('a report path that cannot be written: REPORT_WRITE_FAILED naming it, exit 3, nothing left behind', async () => {
  const file = await lab.writeSuite('report-unwritable', drill('key: cut/good.dump', rowsChecked)(lab.storageYaml));
  const blocker = join(lab.dir, 'a-file-not-a-dir');
  await writeFile(blocker, '');
  const result = await lab.runCli(['run', file, '--json', join(blocker, 'run.json')]);
  const output = result.stdout + result.stderr;
  expect(result.exitCode, output).toBe(3);
  expect(output).toMatch(
    /REPORT_WRITE_FAILED: The drills ran \(verdict: passed\), but their reports could not be written: (ENOTDIR|EEXIST) on .*a-file-not-a-dir/,
  );
  expect(output).not.toMatch(/\n\s+at /);
  expect(await serverProcessesUnder(result.tmp)).toEqual([]);
  expect(await leftovers(result.tmp)).toEqual([]);
});

// The archives the cases above cut, whole: each passes, so the end checks refuse only what is cut.
describe('the same archives whole pass', () => {
  test.each([
    { name: 'plain (S3)', suite: drill('key: cut/good.sql', rowsChecked) },
    { name: 'plain (disk)', suite: onDisk('key: cut/good.sql', rowsChecked) },
    { name: 'tar (S3)', suite: drill('key: cut/good.tar', rowsChecked) },
    { name: 'custom (parallel, in place)', suite: onDisk('key: cut/good.dump, jobs: 2', rowsChecked) },
    { name: 'directory (disk)', suite: onDisk('key: cut/good-dir', rowsChecked) },
    {
      name: 'encrypted, compression: gzip',
      suite: drill('key: cut/good.dump.gz.enc, compression: gzip, decrypt: { keyEnv: LAB_KEY }', rowsChecked),
    },
  ])('$name', async (c) => {
    const file = await lab.writeSuite(`whole-${c.name.replace(/\W+/g, '-')}`, c.suite(lab.storageYaml));
    const junit = join(lab.dir, `whole-${c.name.replace(/\W+/g, '-')}.junit.xml`);
    const result = await lab.runCli(['run', file, '--junit', junit]);
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).not.toMatch(/<(failure|error) /);
    if (!c.name.startsWith('directory')) expect(xml).toMatch(/sha256/);
    expect(await leftovers(result.tmp)).toEqual([]);
  });
});

// ENOSPC where pgdrill writes: a small tmpfs as TMPDIR (mounting needs root). The world's fault: exit 3,
// <error>, DISK_FULL naming the directory and its free space, and nothing left on the small disk.
describe('a full disk', () => {
  const mounts: string[] = [];
  const mountTmpfs = async (size: string): Promise<string | undefined> => {
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-tmpfs-'));
    const mounted = await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0711`, 'tmpfs', dir]).then(
      () => true,
      () => false,
    );
    if (!mounted) {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    mounts.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const dir of mounts) {
      await execFileAsync('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.for([
    {
      name: 'during the download of a parallel restore',
      size: '2m',
      source: 'key: big/filler.dump, jobs: 2',
      doing: /while fetching the archive/,
    },
    {
      name: 'during the restore into the server',
      size: '72m',
      source: 'key: big/filler.dump, jobs: 1',
      doing: /while restoring into the server/,
    },
  ])('$name (skips when tmpfs cannot be mounted: not root)', async (c, ctx) => {
    const disk = process.getuid?.() === 0 ? await mountTmpfs(c.size) : undefined;
    if (!disk) return ctx.skip();
    const file = await lab.writeSuite(`full-${c.size}`, drill(c.source)(lab.storageYaml));
    const junit = join(lab.dir, `full-${c.size}.junit.xml`);
    const result = await runCli(['run', file, '--junit', junit, '--no-disk-check'], lab.env, {}, disk);
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output).toBe(3);
    expect(output).toMatch(
      new RegExp(`DISK_FULL: no space left on the disk of ${result.tmp}.*${c.doing.source}.*free of`),
    );
    expect(output).not.toMatch(/INTERNAL_ERROR|RESTORE_FAILED/);
    expect(await readFile(junit, 'utf8')).toContain('<error ');
    expect(await serverProcessesUnder(result.tmp)).toEqual([]);
    expect(await leftovers(result.tmp)).toEqual([]);
  });
});
