import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createFixtureDatabase, DEMO_DATABASE } from '../../src/demo/fixture-database.js';
import { makeDump } from '../../src/demo/make-dump.js';
import { createLocalEngine } from '../../src/engines/local/local-engine.js';

// The packed tarball, installed into an empty project as a user installs it: the bin, the shipped suites and
// fixtures, and the demo's message when its optional s3rver is absent.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
let work = '';
let project = '';
let registryDown: string | undefined;

async function npx(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'pgdrill', ...args], {
      cwd: project,
      env: { ...process.env, ...env },
      maxBuffer: 1 << 24,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pgdrill-package-'));
  await chmod(work, 0o711);
  project = join(work, 'project');
  await mkdir(project);
  await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, maxBuffer: 1 << 24 });
  const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  await writeFile(join(project, 'package.json'), '{ "name": "adopter", "private": true }\n');
  try {
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball!)],
      { cwd: project, maxBuffer: 1 << 24 },
    );
  } catch (error) {
    registryDown = (error as { stderr?: string }).stderr ?? String(error);
  }
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the packed tarball installs into an empty project (skipped only when npm cannot reach the registry)', (ctx) => {
  if (registryDown && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(registryDown)) ctx.skip();
  expect(registryDown).toBeUndefined();
});

test('npx pgdrill --version prints only the version', async (ctx) => {
  if (registryDown) ctx.skip();
  const { version } = (await import(join(root, 'package.json'), { with: { type: 'json' } })).default as {
    version: string;
  };
  const result = await npx(['--version']);
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe(`${version}\n`);
  expect(result.stderr).toBe('');
});

test('the installed package validates and runs a pg_dump archive on a local filesystem store with the local engine', async (ctx) => {
  if (registryDown) ctx.skip();
  const backups = join(work, 'backups', 'daily');
  await mkdir(backups, { recursive: true });
  const engineDir = join(work, 'engine');
  await mkdir(engineDir);
  await chmod(engineDir, 0o711);
  {
    await using server = await createLocalEngine().start({ workDir: engineDir });
    await createFixtureDatabase(server);
    await makeDump(server, DEMO_DATABASE, { format: 'custom' }, join(backups, 'shop'));
  }
  const suite = join(project, 'drill.yaml');
  await writeFile(
    suite,
    [
      'name: adopter',
      'storage:',
      `  local: { filesystem: { root: ${join(work, 'backups')} } }`,
      'drills:',
      '  - name: shop',
      '    source: { pgdump: { store: local, prefix: daily/ } }',
      '    checks:',
      '      - rows: { table: shop.users, exact: 5000 }',
      '',
    ].join('\n'),
  );
  const validated = await npx(['validate', suite]);
  expect(validated.exitCode, validated.stderr).toBe(0);
  const junit = join(work, 'out.junit.xml');
  const ran = await npx(['run', suite, '--engine', 'local', '--junit', junit]);
  expect(ran.exitCode, ran.stdout + ran.stderr).toBe(0);
  expect(ran.stdout).toMatch(/passed/);
}, 120_000);

test('pgdrill demo without s3rver says how to install it: exit 3, no stack trace', async (ctx) => {
  if (registryDown) ctx.skip();
  const result = await npx(['demo', '--s3', 'embedded', '--engine', 'local'], { PGDRILL_DOCKER_PULL: 'never' });
  expect(result.exitCode).toBe(3);
  expect(result.stderr).toMatch(/EMBEDDED_S3_MISSING/);
  expect(result.stderr).toMatch(/npm install --no-save s3rver@\^3/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

test('pgdrill demo runs from the installed package once s3rver is installed as its message says', async (ctx) => {
  if (registryDown) ctx.skip();
  await run(
    'npm',
    ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', 's3rver@^3.7.1'],
    { cwd: project, maxBuffer: 1 << 24 },
  );
  const reports = join(work, 'demo');
  const result = await npx([
    'demo',
    '--s3',
    'embedded',
    '--engine',
    'local',
    '--junit',
    join(reports, 'demo.xml'),
    '--json',
    join(reports, 'demo.json'),
    '--report',
    join(reports, 'demo.html'),
  ]);
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  expect(result.stdout).toMatch(/shop-custom-latest/);
}, 120_000);
