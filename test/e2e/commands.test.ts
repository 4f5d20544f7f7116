import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'main.js'), ...args],
      { env: { ...process.env, ...env } },
      (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });

const SUITE_ENV = {
  BACKUP_BUCKET: 'b',
  PGBACKREST_BUCKET: 'repo',
  WAL_BUCKET: 'wal',
  PGDRILL_DEMO_S3_ENDPOINT: 'https://127.0.0.1:9000',
  PGDRILL_DEMO_S3_CA: '/dev/null',
};

test('every example suite in suites/ validates and lists its drills', async () => {
  const files = (await readdir(join(ROOT, 'suites')))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(ROOT, 'suites', f));
  expect(files.length).toBeGreaterThanOrEqual(2);
  const validate = await run(['validate', ...files], SUITE_ENV);
  expect(validate.code, validate.stderr).toBe(0);
  expect(validate.stdout.match(/, valid$/gm)).toHaveLength(files.length);
  const list = await run(['list', join(ROOT, 'suites', 'nightly-pgdump.yaml')], SUITE_ENV);
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(
    /orders-split: pg_dump latest under "split\/schema\/".*, then latest under "split\/data\/".*\(data only\)/,
  );
});

test('validate names the missing environment variable and exits 2', async () => {
  const result = await run(['validate', join(ROOT, 'suites', 'nightly-pgdump.yaml')], { BACKUP_BUCKET: '' });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(
    /storage\.prod\.s3\.bucket \(line \d+\): environment variable BACKUP_BUCKET is not set/,
  );
});

test('doctor reports the local engine and PostgreSQL 15 with its extensions', async () => {
  const result = await run(['doctor']);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/✓ local: PostgreSQL 15\.\d+/);
  expect(result.stdout).toMatch(/extensions: .*amcheck/);
});

test('--help lists the commands of the contract; a shard that does not exist is a usage error (exit 2)', async () => {
  const help = await run(['--help']);
  for (const command of ['run', 'validate', 'list', 'demo', 'doctor', 'merge-reports'])
    expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  const shard = await run(['run', join(ROOT, 'suites', 'demo.yaml'), '--shard', '3/2']);
  expect(shard.code).toBe(2);
  expect(shard.stderr).toMatch(/INVALID_SHARD: --shard "3\/2" is not a shard: expected i\/n with 1 <= i <= n/);
});

test('manifest capture and schema snapshot name an unreachable database and exit 3, writing nothing', async () => {
  for (const args of [
    ['manifest', 'capture'],
    ['schema', 'snapshot'],
  ]) {
    const out = join(ROOT, 'never-written.json');
    const result = await run([...args, '--db', 'postgresql://app@127.0.0.1:9/shop', '--out', out], {
      PGPASSWORD: 'hunter2-secret',
    });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/DATABASE_UNREACHABLE: .*postgresql:\/\/app@127\.0\.0\.1:9\/shop/);
    expect(result.stderr).not.toContain('hunter2-secret');
    await expect(readdir(ROOT)).resolves.not.toContain('never-written.json');
  }
});
