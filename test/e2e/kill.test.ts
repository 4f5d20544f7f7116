import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leftovers, startBackupLab, type BackupLab } from '../support/backup-lab.js';
import { startPhysicalLab, type PhysicalLab } from '../support/physical-lab.js';
import { dockerEngineAvailability, pgdrillContainers } from '../support/docker-support.js';

const docker = await dockerEngineAvailability();
const dockerSkip = docker.usable ? '' : ` (skipped: ${docker.reason})`;

// kill -9 of pgdrill (and of its server) at the worst moments: nothing may outlive it for more than a few
// seconds, and what a dead run left is found and removed by the next one. Every wait polls for an event
// (a process appearing or going, a file); the 10 s bound is the promise under test, not a sleep: no server,
// tool or WAL fetch of a killed drill runs after it. Removing the drill's files (a data directory of GBs
// under a loaded disk) may take longer: the supervisors get a minute for that.
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const GONE_WITHIN_MS = 10_000;
const CLEANED_WITHIN_MS = 60_000;

interface Proc {
  pid: number;
  cwd: string;
  args: string;
  environ: string;
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    out.push({ pid: Number(entry), cwd, args, environ });
  }
  return out;
}

/** Processes of a run that used `tmp` as TMPDIR: servers (cwd in it), tools naming it, WAL fetches, supervisors. */
async function processesOf(tmp: string, exclude: number[] = []): Promise<Proc[]> {
  return (await processes()).filter(
    (p) =>
      !exclude.includes(p.pid) &&
      p.pid !== process.pid &&
      (p.cwd.startsWith(tmp) || p.args.includes(tmp) || p.environ.includes(tmp)),
  );
}

// The postmaster is the pid its data dir's postmaster.pid names (a backend just forked still shows its argv).
const postmastersOf = async (tmp: string) =>
  (
    await Promise.all(
      (
        await processesOf(tmp)
      ).map(async (p) => ({
        p,
        listed: p.cwd.startsWith(tmp)
          ? (await readFile(join(p.cwd, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]
          : '',
      })),
    )
  )
    .filter(({ p, listed }) => listed === String(p.pid))
    .map(({ p }) => p);
const supervisorsOf = async (tmp: string) =>
  (await processesOf(tmp)).filter((p) => p.args.includes('pgdrill-supervisor'));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (child && child.exitCode !== null) throw new Error(`pgdrill exited (${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Started {
  child: ChildProcess;
  tmp: string;
  done: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

async function startCli(labDir: string, args: string[], env: Record<string, string>, tmp?: string): Promise<Started> {
  const dir = tmp ?? (await mkdtemp(join(labDir, 'tmp-')));
  await chmod(dir, 0o711);
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env, TMPDIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr })),
  );
  return { child, tmp: dir, done };
}

// testcontainers' empty lock file, removed at a normal exit only: another live pgdrill may be using it, so
// nothing removes it after a SIGKILL (it holds no data and no process).
const leftoversButLock = async (tmp: string) =>
  (await leftovers(tmp)).filter((name) => !/^testcontainers-node-\d+\.lock$/.test(name));

// A supervisor's shell, or the rm it runs to remove the drill's files.
const isCleanup = (p: Proc) => p.args.includes('pgdrill-supervisor') || /^rm -rf /.test(p.args);

async function expectNothingOf(tmp: string): Promise<void> {
  const within = async (what: string, keep: (p: Proc) => boolean, ms: number) =>
    until(
      what,
      async () => {
        const found = (await processesOf(tmp)).filter(keep);
        return found.length === 0 ? [] : undefined;
      },
      ms,
    ).catch(async () => (await processesOf(tmp)).filter(keep).map((p) => `${p.pid} ${p.args.slice(0, 160)}`));
  expect(
    await within('every server, tool and WAL fetch of the killed run to end', (p) => !isCleanup(p), GONE_WITHIN_MS),
  ).toEqual([]);
  expect(await within('the supervisors to remove the drill and end', () => true, CLEANED_WITHIN_MS)).toEqual([]);
}

describe('kill -9 during a logical restore (local engine)', () => {
  let lab: BackupLab;
  let suite: string;

  beforeAll(async () => {
    lab = await startBackupLab({
      extra: async ({ server, put }) => {
        await server.runClient('psql', [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-d',
          'shop',
          '-c',
          'CREATE TABLE shop.events AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b FROM generate_series(1, 2000000) g; ALTER TABLE shop.events ADD PRIMARY KEY (id)',
        ]);
        await put('big/shop.dump', { format: 'custom', args: ['--compress=0'] });
      },
    });
    suite = await lab.writeSuite(
      'big',
      `name: big\n${lab.storageYaml}drills:\n  - name: big\n    source: { pgdump: { store: lab, key: big/shop.dump } }\n`,
    );
  }, 600_000);

  afterAll(async () => {
    await lab?.close();
  });

  const pgRestoreOf = async (tmp: string) =>
    (await processesOf(tmp)).find((p) => p.args.includes('pg_restore') && p.args.includes(tmp));

  test('pgdrill killed mid-restore: within 10 s no server or tool of the drill runs, then its directory is removed', async () => {
    const run = await startCli(lab.dir, ['run', suite, '--engine', 'local'], lab.env);
    await until('pg_restore to run', () => pgRestoreOf(run.tmp), 300_000, run.child);
    expect((await postmastersOf(run.tmp)).length).toBe(1);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    await expectNothingOf(run.tmp);
    expect(await leftovers(run.tmp)).toEqual([]);
  });

  test('pgdrill and its supervisors killed mid-restore: the next `pgdrill clean` stops the orphan server and removes its files', async () => {
    const run = await startCli(lab.dir, ['run', suite, '--engine', 'local'], lab.env);
    await until('pg_restore to run', () => pgRestoreOf(run.tmp), 300_000, run.child);
    const [postmaster] = await postmastersOf(run.tmp);
    expect(postmaster).toBeDefined();
    // As after a reboot of the supervisors alone: nothing noticed pgdrill's death.
    for (const s of await supervisorsOf(run.tmp)) process.kill(s.pid, 'SIGKILL');
    run.child.kill('SIGKILL');
    await run.done;
    await until('the supervisors to be gone', async () => (await supervisorsOf(run.tmp)).length === 0, GONE_WITHIN_MS);
    expect((await postmastersOf(run.tmp)).map((p) => p.pid)).toEqual([postmaster!.pid]);
    const dry = await startCli(lab.dir, ['clean', '--dry-run'], lab.env, run.tmp);
    const dryResult = await dry.done;
    expect(dryResult.exitCode, dryResult.stderr).toBe(0);
    expect(dryResult.stdout).toMatch(new RegExp(`would remove PostgreSQL server pid ${postmaster!.pid} `));
    expect((await postmastersOf(run.tmp)).length).toBe(1);
    const clean = await startCli(lab.dir, ['clean'], lab.env, run.tmp);
    const cleaned = await clean.done;
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toMatch(
      new RegExp(`removed PostgreSQL server pid ${postmaster!.pid} on .*left by pgdrill pid ${run.child.pid} \\(gone`),
    );
    expect(cleaned.stdout).toMatch(/removed directory .*pgdrill-big-/);
    await expectNothingOf(run.tmp);
    expect(await leftovers(run.tmp)).toEqual([]);
    const again = await (await startCli(lab.dir, ['clean'], lab.env, run.tmp)).done;
    expect(again.stdout.trim()).toBe('nothing to clean');
  });

  test('the restored server killed mid-restore: exit 3, an <error> SERVER_DIED naming the server log, nothing left', async () => {
    const run = await startCli(
      lab.dir,
      ['run', suite, '--engine', 'local', '--junit', join(lab.dir, 'killed-server.xml')],
      lab.env,
    );
    await until('pg_restore to run', () => pgRestoreOf(run.tmp), 300_000, run.child);
    const [postmaster] = await postmastersOf(run.tmp);
    process.kill(postmaster!.pid, 'SIGKILL');
    const result = await run.done;
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/SERVER_DIED/);
    expect(result.stdout + result.stderr).not.toMatch(/archive is damaged/);
    const junit = await readFile(join(lab.dir, 'killed-server.xml'), 'utf8');
    expect(junit).toMatch(/<error[^>]*SERVER_DIED/);
    expect(junit).not.toMatch(/<failure/);
    await expectNothingOf(run.tmp);
    expect(await leftovers(run.tmp)).toEqual([]);
  });

  test('a server process killed under a check (as the OOM killer does): exit 3, <error> SERVER_DIED, the checks after it skipped', async () => {
    const checks = `    checks:\n      - sql: { name: slow, query: "select count(*) from pg_sleep(600)", equals: 1 }\n      - rows: { table: shop.orders, exact: 20000 }\n`;
    const file = await lab.writeSuite(
      'killed-check',
      `name: killed-check\n${lab.storageYaml}drills:\n  - name: big\n    source: { pgdump: { store: lab, key: big/shop.dump } }\n${checks}`,
    );
    const json = join(lab.dir, 'killed-check.json');
    const run = await startCli(lab.dir, ['run', file, '--engine', 'local', '--json', json], lab.env);
    const backend = await until(
      'the check query to run',
      async () => (await processesOf(run.tmp)).find((p) => /postgres: pgdrill_check .*SELECT/.test(p.args)),
      300_000,
      run.child,
    );
    process.kill(backend.pid, 'SIGKILL');
    const result = await run.done;
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    const drill = (
      JSON.parse(await readFile(json, 'utf8')) as {
        drills: {
          status: string;
          error?: { code: string; message: string };
          checks: { name: string; status: string; message?: string }[];
        }[];
      }
    ).drills[0]!;
    expect(drill.status).toBe('error');
    expect(drill.error?.code, drill.error?.message).toBe('SERVER_DIED');
    expect(drill.error?.message).toMatch(
      /^the sql slow\b.* check failed because a process of the PostgreSQL server .* was killed/,
    );
    expect(drill.checks.map((c) => c.status)).toEqual(['error', 'skipped']);
    expect(drill.checks[1]!.name).toMatch(/^rows shop\.orders/);
    expect(drill.checks[1]!.message).toBe('not run: the restore server died');
    await expectNothingOf(run.tmp);
    expect(await leftovers(run.tmp)).toEqual([]);
  });

  test.skipIf(dockerSkip !== '')(
    `pgdrill killed mid-restore on the docker engine: within 10 s its container is gone${dockerSkip}`,
    async () => {
      const run = await startCli(lab.dir, ['run', suite, '--engine', 'docker'], lab.env);
      await until('pg_restore to run in the container', () => pgRestoreOf(run.tmp), 300_000, run.child);
      expect(await pgdrillContainers(run.tmp)).toHaveLength(1);
      run.child.kill('SIGKILL');
      await run.done;
      const left = await until(
        'the container to be removed',
        async () => ((await pgdrillContainers(run.tmp)).length === 0 ? [] : undefined),
        GONE_WITHIN_MS,
      ).catch(() => pgdrillContainers(run.tmp));
      expect(left).toEqual([]);
      await expectNothingOf(run.tmp);
      expect(await leftoversButLock(run.tmp)).toEqual([]);
    },
  );

  test.skipIf(dockerSkip !== '')(
    `pgdrill and its supervisors killed on the docker engine: \`pgdrill clean\` removes the labelled container${dockerSkip}`,
    async () => {
      const run = await startCli(lab.dir, ['run', suite, '--engine', 'docker'], lab.env);
      await until('pg_restore to run in the container', () => pgRestoreOf(run.tmp), 300_000, run.child);
      const [container] = await pgdrillContainers(run.tmp);
      for (const s of await supervisorsOf(run.tmp)) process.kill(s.pid, 'SIGKILL');
      run.child.kill('SIGKILL');
      await run.done;
      await until(
        'the supervisors to be gone',
        async () => (await supervisorsOf(run.tmp)).length === 0,
        GONE_WITHIN_MS,
      );
      expect(await pgdrillContainers(run.tmp)).toHaveLength(1);
      const cleaned = await (await startCli(lab.dir, ['clean'], lab.env, run.tmp)).done;
      expect(cleaned.exitCode, cleaned.stderr).toBe(0);
      expect(cleaned.stdout).toContain(`removed directory ${run.tmp}`);
      // Orphan containers are found by their owner label wherever they come from: a pgdrill run that another
      // test file starts meanwhile sweeps them too (as any run does), so this clean may find it gone already.
      const id = container!.split(' ')[0]!;
      if (!cleaned.stdout.includes(`removed container ${id}`)) expect(await pgdrillContainers(run.tmp)).toEqual([]);
      // `clean` returns once docker accepted the removal; docker may still show it as "Removal In Progress".
      expect(
        await until(
          'the container to be removed',
          async () => ((await pgdrillContainers(run.tmp)).length === 0 ? [] : undefined),
          GONE_WITHIN_MS,
        ).catch(() => pgdrillContainers(run.tmp)),
      ).toEqual([]);
      await expectNothingOf(run.tmp);
      expect(await leftoversButLock(run.tmp)).toEqual([]);
    },
  );

  test('a live run is never swept: `pgdrill clean` beside a running drill leaves it alone', async () => {
    const run = await startCli(lab.dir, ['run', suite, '--engine', 'local'], lab.env);
    await until('pg_restore to run', () => pgRestoreOf(run.tmp), 300_000, run.child);
    const cleaned = await (await startCli(lab.dir, ['clean'], lab.env, run.tmp)).done;
    expect(cleaned.stdout.trim()).toBe('nothing to clean');
    // Had the sweep touched its server, the run would end in SERVER_DIED (exit 3).
    const result = await run.done;
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    await expectNothingOf(run.tmp);
    expect(await leftovers(run.tmp)).toEqual([]);
  });
});

describe('kill -9 during a physical restore (local engine, pgBackRest, encrypted)', () => {
  let lab: PhysicalLab;

  beforeAll(async () => {
    lab = await startPhysicalLab();
  }, 900_000);

  afterAll(async () => {
    await lab?.close();
  });

  test('pgdrill killed once the restored postmaster runs: no server and no WAL fetch within 10 s; its environment held no secret', async () => {
    const suite = await lab.writeSuite(
      'pitr',
      `name: pitr\n${lab.storageYaml}drills:\n  - name: pitr\n    source: { pgbackrest: { store: lab, stanza: main, database: shop, verifyTls: false, cipherPassEnv: LAB_CIPHER_PASS } }\n`,
    );
    const secrets = {
      PGPASSWORD: 'pgpassword-of-the-caller-0451',
      OTHER_DRILL_KEY: 'decrypt-key-of-another-drill-8832',
    };
    const run = await startCli(lab.dir, ['run', suite, '--engine', 'local'], { ...lab.env, ...secrets });
    const [postmaster] = await until(
      'the restored postmaster to run',
      async () => {
        const found = await postmastersOf(run.tmp);
        return found.length > 0 ? found : undefined;
      },
      300_000,
      run.child,
    );
    const environ = await readFile(`/proc/${postmaster!.pid}/environ`, 'utf8');
    for (const value of [
      lab.cipherPass,
      lab.env.AWS_SECRET_ACCESS_KEY!,
      lab.env.AWS_ACCESS_KEY_ID!,
      ...Object.values(secrets),
    ])
      expect(environ).not.toContain(value);
    const names = environ
      .split('\0')
      .filter(Boolean)
      .map((kv) => kv.split('=')[0]!);
    expect(names).toContain('PATH');
    expect(
      names.filter((n) => !/^(PATH|PWD|HOME|LANG|LANGUAGE|TZ|LC_\w+|PG_\w+|PGDATA|PGSYSCONFDIR|PGLOCALEDIR)$/.test(n)),
    ).toEqual([]);
    // What restore_command needs is in a 0600 file of the server's user inside the drill.
    const envFile = (await readdir(run.tmp, { recursive: true })).find((p) => p.endsWith('restore-command.env'));
    expect(envFile).toBeDefined();
    const info = await stat(join(run.tmp, envFile!));
    expect(info.mode & 0o777).toBe(0o600);
    run.child.kill('SIGKILL');
    await run.done;
    await expectNothingOf(run.tmp);
    expect(await leftovers(run.tmp)).toEqual([]);
  });

  test.skipIf(dockerSkip !== '')(
    `pgdrill killed once the restored container's postmaster runs: within 10 s the container and every WAL fetch are gone${dockerSkip}`,
    async () => {
      const suite = await lab.writeSuite(
        'pitr-docker',
        `name: pitr\n${lab.storageYaml}drills:\n  - name: pitr\n    source: { pgbackrest: { store: lab, stanza: main, database: shop, verifyTls: false, cipherPassEnv: LAB_CIPHER_PASS } }\n`,
      );
      const run = await startCli(lab.dir, ['run', suite, '--engine', 'docker'], lab.env);
      // In the container, postmaster.pid names the container's pid: look for the process itself.
      const containerPostmaster = async () => (await processesOf(run.tmp)).some((p) => /postgres -D \/\S/.test(p.args));
      await until(
        'the restored postmaster to run in its container',
        async () => (await pgdrillContainers(run.tmp)).length > 0 && (await containerPostmaster()),
        300_000,
        run.child,
      );
      run.child.kill('SIGKILL');
      await run.done;
      const left = await until(
        'the container to be removed',
        async () => ((await pgdrillContainers(run.tmp)).length === 0 ? [] : undefined),
        GONE_WITHIN_MS,
      ).catch(() => pgdrillContainers(run.tmp));
      expect(left).toEqual([]);
      await expectNothingOf(run.tmp);
      expect(await leftoversButLock(run.tmp)).toEqual([]);
    },
  );
});
