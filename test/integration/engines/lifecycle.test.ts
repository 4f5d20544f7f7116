import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { guardRestoreCommand, RESTORE_ENV_FILE, serverEnvironment } from '../../../src/engines/server-environment.js';
import {
  currentOwner,
  isOwnerAlive,
  ownerGuardShell,
  readStartTime,
  type OwnerIdentity,
} from '../../../src/lifecycle/owner-identity.js';
import { markKept, OWNER_RECORD, readOwnerRecord, writeOwnerRecord } from '../../../src/lifecycle/owner-record.js';
import { sweepLeftovers } from '../../../src/lifecycle/sweep-leftovers.js';

// The pieces that keep anything from outliving pgdrill, on real processes. Waits poll for an event (a
// process gone, a directory gone) with a bound that is the promise under test.
const SUPERVISOR_MODULE = join(import.meta.dirname, '..', '..', '..', 'dist', 'lifecycle', 'start-supervisor.js');
let base: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lifecycle-test-'));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(
  command: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH!, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A process that ran and is gone: its pid and start time name no live process. */
async function deadOwner(): Promise<OwnerIdentity> {
  const child = spawn('sleep', ['600']);
  await until('sleep to start', () => readStartTime(child.pid!) !== undefined);
  const owner = { pid: child.pid!, startTime: readStartTime(child.pid!)! };
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  return owner;
}

test('the restore_command guard passes while its owner runs and exits 128 (fatal to recovery) once it is gone', async () => {
  const live = await run(`${ownerGuardShell(currentOwner())}; echo fetched`);
  expect(live).toMatchObject({ code: 0, stdout: 'fetched\n' });
  const owner = await deadOwner();
  expect(isOwnerAlive(owner)).toBe(false);
  const dead = await run(`${ownerGuardShell(owner)}; echo fetched`);
  expect(dead.code).toBe(128);
  expect(dead.stdout).toBe('');
  expect(dead.stderr).toContain(`the pgdrill process (pid ${owner.pid}) that owns this server is gone`);
});

test('a pid reused by another process is not the owner: the start time must match too', () => {
  expect(isOwnerAlive({ pid: process.pid, startTime: '1' })).toBe(false);
  expect(isOwnerAlive(currentOwner())).toBe(true);
});

test('restore_command reads its credentials from a 0600 file, not from the environment it is started with', async () => {
  const scratch = join(base, 'scratch');
  await mkdir(scratch, { mode: 0o700 });
  const secret = "s3cr'et $HOME `id`";
  const command = await guardRestoreCommand({
    command: 'printf "%s|%s" "$AWS_SECRET_ACCESS_KEY" "$PGBACKREST_REPO1_CIPHER_PASS"',
    env: { AWS_SECRET_ACCESS_KEY: secret, PGBACKREST_REPO1_CIPHER_PASS: 'pass' },
    scratchDir: scratch,
  });
  expect(command).not.toContain('s3cr');
  const info = await stat(join(scratch, RESTORE_ENV_FILE));
  expect(info.mode & 0o777).toBe(0o600);
  // PostgreSQL turns %% into %; the command has no other % of pgdrill's own.
  const result = await run(command.replaceAll('%%', '%'));
  expect(result).toMatchObject({ code: 0, stdout: `${secret}|pass` });
  await rm(join(scratch, RESTORE_ENV_FILE));
  const missing = await run(command.replaceAll('%%', '%'));
  expect(missing.code).toBe(128);
});

test('restore_command keeps only 0 and 1 of its command: any other failure is 128, which stops recovery', async () => {
  const scratch = join(base, 'scratch-status');
  await mkdir(scratch, { mode: 0o700 });
  for (const [status, expected] of [
    [0, 0],
    [1, 1],
    [2, 128],
    [4, 128],
    [82, 128],
    [127, 128],
  ] as const) {
    const command = await guardRestoreCommand({
      command: `sh -c 'exit ${status}'`,
      env: undefined,
      scratchDir: scratch,
    });
    expect((await run(command)).code, `a command exiting ${status}`).toBe(expected);
  }
  // A command of several parts (a source's own fallback) is one unit under the guard.
  const chained = await guardRestoreCommand({ command: 'false || exit 1', env: undefined, scratchDir: scratch });
  expect((await run(chained)).code).toBe(1);
  const killed = await guardRestoreCommand({ command: "sh -c 'kill -9 $$'", env: undefined, scratchDir: scratch });
  expect((await run(killed)).code).toBe(128);
});

test('a server environment carries PATH, HOME, the locale and TZ, and nothing else', () => {
  const env = serverEnvironment('/var/lib/postgresql', {
    PATH: '/usr/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C',
    TZ: 'UTC',
    AWS_SECRET_ACCESS_KEY: 'x',
    PGPASSWORD: 'y',
    BACKUP_KEY: 'z',
    HOME: '/root',
  });
  expect(env).toEqual({ PATH: '/usr/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC', HOME: '/var/lib/postgresql' });
});

async function startOwnerWithSupervisor(dir: string): Promise<ChildProcess> {
  const script = `import(${JSON.stringify(SUPERVISOR_MODULE)}).then((m) => { m.startSupervisor({ dirs: [${JSON.stringify(dir)}] }); process.stdout.write('ready\\n'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the owner exited with ${code}`)));
  });
  return child;
}

async function processesWorkingIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(entry));
  }
  return found;
}

test.skipIf(!existsSync(SUPERVISOR_MODULE))(
  `the supervisor stops what works in its directory and removes it once its owner is killed${existsSync(SUPERVISOR_MODULE) ? '' : ' (skipped: run npm run build first)'}`,
  async () => {
    const dir = join(base, 'drill');
    await mkdir(dir);
    const owner = await startOwnerWithSupervisor(dir);
    const worker = spawn('sleep', ['600'], { cwd: dir });
    await until('the worker to run in the directory', async () =>
      (await processesWorkingIn(dir)).includes(worker.pid!),
    );
    owner.kill('SIGKILL');
    await until('the directory to be removed', () => !existsSync(dir));
    expect(await processesWorkingIn(dir)).toEqual([]);
    expect(worker.signalCode ?? (await new Promise((r) => worker.on('exit', (_c, s) => r(s))))).toBe('SIGKILL');
  },
);

test.skipIf(!existsSync(SUPERVISOR_MODULE))(
  'a directory marked kept is left to the user when its owner dies',
  async () => {
    const dir = join(base, 'kept');
    await mkdir(dir);
    const owner = await startOwnerWithSupervisor(dir);
    markKept(dir);
    const exited = new Promise((r) => owner.on('exit', r));
    owner.kill('SIGKILL');
    await exited;
    // The supervisor exits on its own once it has seen the marker; then the directory must still be there.
    await until('the supervisor to exit', async () => {
      const out = await run('ps -eo args');
      return !out.stdout.split('\n').some((l) => l.includes('pgdrill-supervisor') && l.includes(dir));
    });
    expect(existsSync(dir)).toBe(true);
  },
);

test("the sweep removes directories whose owner is gone, and never a live owner's, a kept one or one without a record", async () => {
  const dead = join(base, 'pgdrill-dead-1');
  const live = join(base, 'pgdrill-live-1');
  const kept = join(base, 'pgdrill-kept-1');
  const foreign = join(base, 'pgdrill-foreign-1');
  for (const dir of [dead, live, kept, foreign]) await mkdir(dir);
  writeOwnerRecord(live, 'drill live');
  writeOwnerRecord(kept, 'drill kept');
  markKept(kept);
  const owner = await deadOwner();
  await writeFile(
    join(dead, OWNER_RECORD),
    JSON.stringify({
      owner,
      createdAt: '2026-12-05T00:00:00Z',
      purpose: 'drill dead',
      dataDirs: [],
      postmasterPids: [],
      containers: [],
      paths: [],
    }),
  );
  await writeFile(join(dead, 'archive.dump'), 'x');
  expect(readOwnerRecord(dead)?.owner).toEqual(owner);
  const dry = await sweepLeftovers({ baseDir: base, dryRun: true });
  expect(dry.removed.filter((l) => l.startsWith('directory'))).toEqual([
    `directory ${dead} left by pgdrill pid ${owner.pid} (gone; drill dead, created 2026-12-05T00:00:00Z)`,
  ]);
  expect(existsSync(dead)).toBe(true);
  const swept = await sweepLeftovers({ baseDir: base });
  expect(swept.removed.filter((l) => l.startsWith('directory'))).toHaveLength(1);
  expect(existsSync(dead)).toBe(false);
  for (const dir of [live, kept, foreign]) expect(existsSync(dir)).toBe(true);
});
