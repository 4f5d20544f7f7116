import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CommandError, ConfigError, EngineError } from '../../../src/errors.js';
import { pendingCleanups } from '../../../src/process/cleanup.js';
import { runCommand } from '../../../src/process/run-command.js';
import type { StartedServer } from '../../../src/engines/engine.js';
import { findInstallations } from '../../../src/engines/local/find-installations.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { lookupOsUser } from '../../../src/engines/local/os-user.js';

const installations = await findInstallations();
const pg15 = installations.find((i) => i.major === 15 && i.tools.initdb && i.tools.pg_ctl);
const isRoot = process.getuid?.() === 0;
const nobody = await lookupOsUser('nobody');

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'pgdrill-engine-test-'));
  await chmod(workDir, 0o711); // what the drill layer does when root: the server user must traverse it
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** PIDs of processes whose command line mentions `dir` (the postmaster is started with -D <dir>/…/data). */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir) && (await isLive(Number(entry)))) pids.push(Number(entry));
  }
  return pids;
}

/** Exists and is not a zombie: an exited postmaster is re-parented to PID 1, which may reap it a little later. */
async function isLive(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return state !== undefined && !/\) Z /.test(state);
}

async function query(server: StartedServer, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ ...server.connection, ssl: false });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function startError(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected start() to fail');
    },
    (error: Error) => error,
  );
}

describe('findInstallations', () => {
  test.skipIf(!pg15)(
    `finds PostgreSQL 15 once although PATH links into /usr/lib/postgresql/15/bin${pg15 ? '' : ' (skipped: postgresql-15 not installed)'}`,
    () => {
      const fifteen = installations.filter((i) => i.binDir === pg15!.binDir);
      expect(fifteen).toHaveLength(1);
      expect(pg15).toMatchObject({ major: 15, version: expect.stringMatching(/^15\.\d+/) });
      expect(pg15!.tools).toEqual({ pg_restore: true, pg_dump: true, psql: true, pg_ctl: true, initdb: true });
    },
  );
});

describe.skipIf(!pg15)(
  `local engine on PostgreSQL 15${pg15 ? '' : ' (skipped: PostgreSQL 15 server binaries are not installed)'}`,
  () => {
    const engine = createLocalEngine();

    test('probe says usable and which binaries and user it will use', async () => {
      const probe = await engine.probe();
      expect(probe).toMatchObject({ kind: 'local', usable: true, majors: expect.arrayContaining([15]) });
      expect(probe.reason).toContain(pg15!.binDir);
    });

    test('a configured binDir without postgres is named in the probe reason', async () => {
      const probe = await createLocalEngine({ binDir: '/nonexistent/pg/bin' }).probe();
      expect(probe.reason).toMatch(/^the configured binDir \/nonexistent\/pg\/bin has no working postgres; /);
    });

    test.skipIf(!isRoot)(
      `as root without the unprivileged OS user: probe says so and start() refuses${isRoot ? '' : ' (skipped: needs root)'}`,
      async () => {
        const rootOnly = createLocalEngine({ osUser: 'pgdrill-no-such-user' });
        const probe = await rootOnly.probe();
        expect(probe).toMatchObject({ usable: false, majors: [15] });
        expect(probe.reason).toMatch(/runs as root and the OS user 'pgdrill-no-such-user' .* does not exist/);
        await expect(rootOnly.start({ workDir })).rejects.toMatchObject({ code: 'SERVER_USER_MISSING' });
        expect(await readdir(workDir)).toEqual([]);
      },
    );

    test('starts an isolated, non-archiving server and leaves nothing behind once disposed', async () => {
      let postmasters: number[];
      {
        await using server = await engine.start({ workDir, major: 15 });
        expect(server.kind).toBe('local');
        expect(server.version).toMatch(/^15\.\d+/);
        const [settings] = await query(
          server,
          `select current_setting('archive_mode') as archive_mode,
        current_setting('listen_addresses') as listen, current_setting('fsync') as fsync, current_user as who`,
        );
        expect(settings).toEqual({ archive_mode: 'off', listen: '127.0.0.1', fsync: 'off', who: 'pgdrill' });
        expect(server.describe()).toBe(`postgresql://pgdrill@127.0.0.1:${server.connection.port}/postgres`);
        expect(server.describe('app')).not.toContain(server.connection.password);
        expect(server.connection.password.length).toBeGreaterThanOrEqual(32);
        expect((await server.runClient('psql', ['-Atc', 'select 41 + 1'])).stdout).toBe('42');
        expect(pendingCleanups().some((label) => label.includes(workDir))).toBe(true);
        postmasters = await processesUnder(workDir);
        expect(postmasters).toHaveLength(1);
        if (isRoot)
          expect((await readFile(`/proc/${postmasters[0]}/status`, 'utf8')).match(/^Uid:\s+(\d+)/m)?.[1]).not.toBe('0');
      }
      expect(await processesUnder(workDir)).toEqual([]);
      for (const pid of postmasters) expect(await isLive(pid)).toBe(false);
      expect(await readdir(workDir)).toEqual([]);
      expect(pendingCleanups().some((label) => label.includes(workDir))).toBe(false);
    });

    test('stop() is idempotent and logTail() reads the server log while it runs', async () => {
      const server = await engine.start({ workDir });
      expect((await server.logTail()).join('\n')).toMatch(/listening on IPv4 address "127\.0\.0\.1"/);
      await Promise.all([server.stop(), server.stop()]);
      await server.stop();
      await server[Symbol.asyncDispose]();
      expect(await readdir(workDir)).toEqual([]);
    });

    test('stop() after the postmaster died on its own still removes everything', async () => {
      const server = await engine.start({ workDir });
      const [postmaster] = await processesUnder(workDir);
      process.kill(postmaster!, 'SIGKILL');
      await server.stop();
      expect(await processesUnder(workDir)).toEqual([]);
      expect(await readdir(workDir)).toEqual([]);
    });

    test('runClient redacts the password from a failing command', async () => {
      await using server = await engine.start({ workDir });
      const error = await server
        .runClient('psql', ['-c', `select '${server.connection.password}'::int`])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandError);
      expect(
        JSON.stringify({
          m: (error as CommandError).message,
          c: (error as CommandError).command,
          d: (error as CommandError).details,
        }),
      ).not.toContain(server.connection.password);
    });

    describe.skipIf(!isRoot || !nobody)(
      `another local OS user (nobody) cannot connect${isRoot && nobody ? '' : ' (skipped: needs root and the OS user nobody)'}`,
      () => {
        const asNobody = (args: string[], password: string | undefined) =>
          runCommand(`${pg15!.binDir}/psql`, ['-w', '-X', '-d', 'postgres', '-c', 'select 1', ...args], {
            uid: nobody!.uid,
            gid: nobody!.gid,
            cwd: '/',
            env: {
              PGPASSWORD: password,
              PGHOST: undefined,
              PGPORT: undefined,
              PGUSER: undefined,
              PGPASSFILE: undefined,
              PGSERVICE: undefined,
            },
          }).then(
            () => 'connected',
            (error: CommandError) => error.stderrTail.join('\n'),
          );

        test('over TCP without the password, with a wrong one, or as another role', async () => {
          await using server = await engine.start({ workDir });
          const tcp = ['-h', '127.0.0.1', '-p', String(server.connection.port)];
          expect(await asNobody([...tcp, '-U', 'pgdrill'], undefined)).toMatch(
            /no password supplied|password authentication failed/,
          );
          expect(await asNobody([...tcp, '-U', 'pgdrill'], 'wrong-password')).toMatch(
            /password authentication failed for user "pgdrill"/,
          );
          expect(await asNobody([...tcp, '-U', 'nobody'], 'wrong-password')).toMatch(
            /no pg_hba\.conf entry for host "127\.0\.0\.1", user "nobody"/,
          );
        });

        test('through the private socket dir, even with the right password', async () => {
          await using server = await engine.start({ workDir });
          const socketDir = (await server.logTail(50))
            .join('\n')
            .match(/listening on Unix socket "(.+)\/\.s\.PGSQL\.\d+"/)?.[1];
          expect(socketDir).toBeDefined();
          expect((await stat(socketDir!)).mode & 0o777).toBe(0o700);
          const socket = ['-h', socketDir!, '-p', String(server.connection.port), '-U', 'pgdrill'];
          expect(await asNobody(socket, undefined)).toMatch(/Permission denied/);
          expect(await asNobody(socket, server.connection.password)).toMatch(/Permission denied/);
        });
      },
    );

    test('a bad setting gives SERVER_START_FAILED with the log lines, and leaves no process or files', async () => {
      const error = await startError(engine.start({ workDir, settings: { shared_buffers: 'lots' } }));
      expect(error).toBeInstanceOf(EngineError);
      expect(error).toMatchObject({ code: 'SERVER_START_FAILED' });
      expect(error.message).toMatch(
        /^PostgreSQL 15 did not accept connections after \d+ ms \(engine=local, port=\d+\)/,
      );
      expect((error as EngineError).details.join('\n')).toMatch(/invalid value for parameter "shared_buffers": "lots"/);
      expect((error as EngineError).hint).toMatch(/see the server log at /);
      expect(await processesUnder(workDir)).toEqual([]);
      expect(await readdir(workDir)).toEqual([]);
      expect(pendingCleanups().some((label) => label.includes(workDir))).toBe(false);
    });

    test('settings the engine owns (address, port, socket) are refused before anything is created', async () => {
      const error = await startError(engine.start({ workDir, settings: { listen_addresses: '*', 'bad name': 'x' } }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'INVALID_SERVER_SETTINGS' });
      expect((error as ConfigError).details).toEqual([
        expect.stringMatching(/^listen_addresses: set by the local engine/),
        expect.stringMatching(/^bad name: not a PostgreSQL setting name/),
      ]);
      expect(await readdir(workDir)).toEqual([]);
    });

    test('a major that is not installed gives POSTGRES_MAJOR_NOT_INSTALLED naming what was found and what to install', async () => {
      const error = await startError(engine.start({ workDir, major: 99 }));
      expect(error).toMatchObject({ code: 'POSTGRES_MAJOR_NOT_INSTALLED' });
      expect(error.message).toMatch(/PostgreSQL 99 .*found 15 \(\/usr\/lib\/postgresql\/15\/bin\)/);
      expect((error as EngineError).hint).toMatch(/postgresql-99/);
      expect(await readdir(workDir)).toEqual([]);
    });

    test('an abort during start removes the server and its files', async () => {
      for (const delayMs of [0, 300, 800]) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error('test abort')), delayMs);
        if (delayMs === 0) controller.abort(new Error('test abort'));
        const outcome = await engine.start({ workDir, signal: controller.signal }).then(
          async (server) => (await server.stop(), 'started before the abort'),
          (error: EngineError) => error.code,
        );
        clearTimeout(timer);
        expect(['SERVER_START_ABORTED', 'started before the abort']).toContain(outcome);
        if (delayMs < 800) expect(outcome).toBe('SERVER_START_ABORTED');
        expect(await processesUnder(workDir)).toEqual([]);
        expect(await readdir(workDir)).toEqual([]);
      }
    });
  },
);
