import { appendFile, chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError, EngineError, SourceError } from '../../../src/errors.js';
import { pendingCleanups } from '../../../src/process/cleanup.js';
import { runCommand } from '../../../src/process/run-command.js';
import type { RestoredServerSpec, RestoreTarget, StartedServer } from '../../../src/engines/engine.js';
import { findInstallations } from '../../../src/engines/local/find-installations.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { lookupOsUser } from '../../../src/engines/local/os-user.js';
import type { RestoredLocalServer } from '../../../src/engines/local/restored-local-server.js';

const installations = await findInstallations();
const pg15 = installations.find((i) => i.major === 15 && i.tools.initdb && i.tools.pg_ctl);
const isRoot = process.getuid?.() === 0;
const serverUser = isRoot ? await lookupOsUser('postgres') : undefined;
const unavailable = !pg15
  ? 'PostgreSQL 15 server binaries are not installed'
  : isRoot && !serverUser
    ? 'running as root without the postgres OS user'
    : undefined;

/** PIDs of live processes whose command line mentions `dir` (the postmaster is started with -D <dir>/…/data). */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const state = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (cmdline.includes(dir) && state !== undefined && !/\) Z /.test(state)) pids.push(Number(entry));
  }
  return pids;
}

async function query<R extends Record<string, unknown>>(server: StartedServer, sql: string): Promise<R[]> {
  const client = new pg.Client({ ...server.connection, ssl: false });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function expectNothingLeft(workDir: string): Promise<void> {
  expect(await processesUnder(workDir)).toEqual([]);
  expect(await readdir(workDir)).toEqual([]);
  expect(pendingCleanups().some((label) => label.includes(workDir))).toBe(false);
}

async function makeServerUserDir(path: string, mode = 0o700): Promise<string> {
  await mkdir(path, { mode });
  await chmod(path, mode);
  if (serverUser) await chown(path, serverUser.uid, serverUser.gid);
  return path;
}

/** A source server archiving into `archive`, a plain base backup of it without WAL, then rows only the archive has. */
interface Lab {
  dir: string;
  archive: string;
  base: string;
  markers: string;
  /** Rows committed after the base backup; they exist in a restore only if WAL was replayed from the archive. */
  idsAfterBackup: number[];
}

async function buildLab(): Promise<Lab> {
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-restored-lab-'));
  await chmod(dir, 0o711);
  const archive = await makeServerUserDir(join(dir, 'archive'));
  const markers = await makeServerUserDir(join(dir, 'markers'));
  const sourceWork = await makeServerUserDir(join(dir, 'source'), 0o711);
  const base = join(dir, 'base');
  const settings = {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: `cp %p ${archive}/%f`,
    // Higher than the defaults: the restored server must read them from pg_control and match them.
    max_connections: '150',
    max_prepared_transactions: '5',
    max_locks_per_transaction: '128',
  };
  await using source = await createLocalEngine().start({ workDir: sourceWork, major: 15, settings });
  const client = new pg.Client({ ...source.connection, ssl: false });
  await client.connect();
  try {
    await client.query(`create table drill_rows (id int primary key, phase text not null)`);
    await client.query(`insert into drill_rows select g, 'in base backup' from generate_series(1, 100) g`);
    await runCommand(
      join(pg15!.binDir, 'pg_basebackup'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(source.connection.port),
        '-U',
        'pgdrill',
        '-D',
        base,
        '-Fp',
        '-X',
        'none',
        '-c',
        'fast',
      ],
      {
        env: { PGPASSWORD: source.connection.password },
        secrets: [source.connection.password],
        timeoutMs: 120_000,
      },
    );
    const idsAfterBackup = [1001, 1002, 1003, 1004, 1005];
    for (const id of idsAfterBackup)
      await client.query(`insert into drill_rows values ($1, 'after base backup')`, [id]);
    const { rows } = await client.query<{ wal: string }>('select pg_walfile_name(pg_switch_wal()) as wal');
    const switched = rows[0]!.wal;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const archived = (
        await client.query<{ last: string | null }>('select last_archived_wal as last from pg_stat_archiver')
      ).rows[0]?.last;
      if (archived && archived >= switched) break;
      if (Date.now() > deadline)
        throw new Error(`WAL ${switched} was not archived within 60 s (last archived: ${archived})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { dir, archive, base, markers, idsAfterBackup };
  } finally {
    await client.end();
  }
}

describe.skipIf(unavailable)(
  `local engine startRestored on PostgreSQL 15${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const engine = createLocalEngine();
    let lab: Lab;
    let workDir: string;
    beforeAll(async () => {
      lab = await buildLab();
    });
    afterAll(async () => {
      if (lab) await rm(lab.dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      workDir = await mkdtemp(join(tmpdir(), 'pgdrill-restored-test-'));
      await chmod(workDir, 0o711);
    });
    afterEach(async () => {
      await rm(workDir, { recursive: true, force: true });
    });

    const copyBaseBackup = async ({ dataDir }: RestoreTarget): Promise<void> => {
      await runCommand('cp', ['-a', `${lab.base}/.`, dataDir]); // as root: the files keep root's ownership, the engine chowns
    };
    const fromArchive = (): Record<string, string> => ({ restore_command: `cp '${lab.archive}/%f' '%p'` });
    const spec = (overrides: Partial<RestoredServerSpec> = {}): RestoredServerSpec => ({
      workDir,
      major: 15,
      restore: copyBaseBackup,
      recovery: fromArchive(),
      ...overrides,
    });

    test('replays the archive to its end, promotes, and admits only pgdrill by password over TCP', async () => {
      const archivedBefore = await readdir(lab.archive);
      {
        await using server = await engine.startRestored(spec());
        expect(server.recovery).toMatchObject({ ended: 'promoted', major: 15 });
        expect(server.recovery.durationMs).toBeGreaterThan(0);
        expect(server.recovery.log).toMatch(/archive recovery complete/);
        expect(server.version).toMatch(/^15\.\d+/);
        expect(server.connection).toMatchObject({ host: '127.0.0.1', user: 'pgdrill', database: 'postgres' });
        const after = await query<{ id: number }>(
          server,
          `select id from drill_rows where phase = 'after base backup' order by id`,
        );
        expect(after.map((r) => r.id)).toEqual(lab.idsAfterBackup);
        const [settings] = await query(
          server,
          `select current_setting('archive_mode') as archive_mode,
        (select setting from pg_file_settings where name = 'archive_command' and applied) as archive_command, current_setting('primary_conninfo') as primary_conninfo, current_setting('listen_addresses') as listen, pg_is_in_recovery() as in_recovery,
        current_setting('max_connections')::int >= 150 and current_setting('max_prepared_transactions')::int >= 5
          and current_setting('max_locks_per_transaction')::int >= 128 as raised, current_user as who`,
        );
        expect(settings).toEqual({
          archive_mode: 'off',
          archive_command: '',
          primary_conninfo: '',
          listen: '127.0.0.1',
          in_recovery: false,
          raised: true,
          who: 'pgdrill',
        });
        const hba = await query<{ type: string; user_name: string[]; auth_method: string }>(
          server,
          'select type, user_name, auth_method from pg_hba_file_rules',
        );
        expect(hba.length).toBeGreaterThan(0);
        // pgdrill's own role and the read-only check role, by password; nobody else.
        for (const rule of hba)
          expect(rule).toMatchObject({
            user_name: [expect.stringMatching(/^pgdrill(_check)?$/)],
            auth_method: 'scram-sha-256',
          });
        expect(new Set(hba.map((r) => r.user_name[0]))).toEqual(new Set(['pgdrill', 'pgdrill_check']));
        // Only the engine's config file and the emptied postgresql.auto.conf are read, never the backup's postgresql.conf.
        const sources = await query<{ sourcefile: string }>(
          server,
          'select distinct sourcefile from pg_file_settings order by 1',
        );
        expect(sources.map((s) => s.sourcefile)).toEqual([
          expect.stringMatching(/\/local-pg-[0-9a-f]+\/postgresql\.conf$/),
        ]);
        // The trust line is gone from the running server, not only from the file: the socket now wants pgdrill's password.
        const socketDir = server.recovery.log.match(/listening on Unix socket "(.+)\/\.s\.PGSQL\.\d+"/)?.[1];
        const viaSocket = new pg.Client({
          host: socketDir,
          port: server.connection.port,
          user: 'postgres',
          database: 'postgres',
        });
        await expect(viaSocket.connect()).rejects.toThrow(
          /no pg_hba\.conf entry for host "\[local\]", user "postgres"/,
        );
        await viaSocket.end().catch(() => undefined);
        const fullLog = await readFile(server.logPath, 'utf8');
        expect(fullLog).not.toContain(server.connection.password);
        expect(fullLog).not.toMatch(/SCRAM-SHA-256\$|role pgdrill/i);
        expect(await processesUnder(workDir)).toHaveLength(1);
      }
      // The backup's postgresql.conf archives into lab.archive; a restored server must never add to it (e.g. 00000002.history).
      expect(await readdir(lab.archive)).toEqual(archivedBefore);
      await expectNothingLeft(workDir);
    });

    // With plain cp the server dies before pg_ctl sees hot standby; with a slow restore_command pg_ctl returns first and the engine's watch sees it die.
    test.each([
      ['pg_ctl sees it', ''],
      ['the watch after hot standby sees it', 'sleep 0.3; '],
    ])(
      'a recovery target beyond the archive ends "died" (%s); the server is stopped, its files go on dispose',
      async (_, delay) => {
        // An ISO 8601 time ending in "Z", which PostgreSQL 15 refuses at startup unless the engine rewrites it as +00.
        const recovery = {
          restore_command: `${delay}cp '${lab.archive}/%f' '%p'`,
          recovery_target_time: new Date(Date.now() + 86_400_000).toISOString(),
        };
        const server = await engine.startRestored(spec({ recovery }));
        try {
          expect(server.recovery.ended).toBe('died');
          expect(server.recovery.log).toMatch(/FATAL: {2}recovery ended before configured recovery target was reached/);
          if (delay) expect(server.recovery.log).toMatch(/database system is ready to accept read-only connections/);
          expect(await processesUnder(workDir)).toEqual([]);
          expect((await readFile(server.logPath, 'utf8')).length).toBeGreaterThanOrEqual(server.recovery.log.length);
        } finally {
          await server[Symbol.asyncDispose]();
        }
        await expectNothingLeft(workDir);
      },
    );

    test('pg_ctl returns at hot standby; the engine waits for the end of recovery before it promotes and admits the drill', async () => {
      await using server = await engine.startRestored(
        spec({ recovery: { restore_command: `sleep 0.5; cp '${lab.archive}/%f' '%p'` } }),
      );
      expect(server.recovery.ended).toBe('promoted');
      const log = server.recovery.log;
      expect(log.indexOf('ready to accept read-only connections')).toBeGreaterThan(-1);
      expect(log.indexOf('ready to accept read-only connections')).toBeLessThan(
        log.indexOf('archive recovery complete'),
      );
      expect(
        await query(server, `select count(*)::int as n from drill_rows where phase = 'after base backup'`),
      ).toEqual([{ n: lab.idsAfterBackup.length }]);
    });

    test("the backup's postgresql.auto.conf (archive_command, primary_conninfo) is set aside; serverEnv reaches restore_command", async () => {
      const marker = join(lab.markers, `archived-${Date.now()}`);
      const restore = async (target: RestoreTarget): Promise<void> => {
        await copyBaseBackup(target);
        await appendFile(
          join(target.dataDir, 'postgresql.auto.conf'),
          `archive_mode = 'on'\narchive_command = 'touch ${marker}'\nprimary_conninfo = 'host=203.0.113.1'\n`,
        );
      };
      // restore_command fails unless the variable reached it: then the rows after the backup would be missing.
      const recovery = {
        restore_command: `test "$PGDRILL_TEST_TOKEN" = from-server-env && cp '${lab.archive}/%f' '%p'`,
      };
      await using server = await engine.startRestored(
        spec({ restore, recovery, serverEnv: { PGDRILL_TEST_TOKEN: 'from-server-env' } }),
      );
      expect(server.recovery.ended).toBe('promoted');
      expect(
        await query(server, `select count(*)::int as n from drill_rows where phase = 'after base backup'`),
      ).toEqual([{ n: lab.idsAfterBackup.length }]);
      expect(
        await query(
          server,
          `select current_setting('primary_conninfo') as conninfo, current_setting('archive_mode') as mode`,
        ),
      ).toEqual([{ conninfo: '', mode: 'off' }]);
      await query(server, 'select pg_switch_wal()');
      await new Promise((r) => setTimeout(r, 1500));
      await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
      const dataDir = (server as RestoredLocalServer).dataDir;
      expect(await readFile(join(dataDir, 'postgresql.auto.conf.from-backup'), 'utf8')).toContain(
        `primary_conninfo = 'host=203.0.113.1'`,
      );
      expect(await readFile(join(dataDir, 'postgresql.auto.conf'), 'utf8')).not.toMatch(/archive|primary/);
    });

    test("a work dir with a space and a quote in its path (config_file goes through pg_ctl's shell)", async () => {
      const oddDir = join(workDir, "it's a dir");
      await mkdir(oddDir, { mode: 0o711 });
      await chmod(oddDir, 0o711);
      {
        await using server = await engine.startRestored(spec({ workDir: oddDir }));
        expect(server.recovery.ended).toBe('promoted');
        expect(await query(server, `select current_setting('config_file') as file`)).toEqual([
          { file: expect.stringContaining(`${oddDir}/local-pg-`) },
        ]);
      }
      expect(await readdir(oddDir)).toEqual([]);
      await rm(oddDir, { recursive: true });
      await expectNothingLeft(workDir);
    });

    test('an error thrown by restore() comes out unchanged and nothing is left behind', async () => {
      const boom = new Error('restore tool exploded');
      let target: RestoreTarget | undefined;
      const restore = async (t: RestoreTarget): Promise<void> => {
        target = t;
        await writeFile(join(t.scratchDir, 'tool.conf'), 'secret=1\n');
        throw boom;
      };
      await expect(engine.startRestored(spec({ restore }))).rejects.toBe(boom);
      await expect(stat(target!.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
      if (serverUser) expect(target!.runAs).toEqual(serverUser);
      await expectNothingLeft(workDir);
    });

    test('the restore target: empty private data and scratch dirs owned by the server user', async () => {
      const seen: Array<{ path: string; mode: number; uid: number; entries: string[] }> = [];
      const restore = async (target: RestoreTarget): Promise<void> => {
        for (const path of [target.dataDir, target.scratchDir]) {
          const info = await stat(path);
          seen.push({ path, mode: info.mode & 0o777, uid: info.uid, entries: await readdir(path) });
        }
        throw new Error('stop here');
      };
      await expect(engine.startRestored(spec({ restore }))).rejects.toThrow('stop here');
      for (const dir of seen)
        expect(dir).toMatchObject({ mode: 0o700, uid: serverUser?.uid ?? process.getuid?.(), entries: [] });
      await expectNothingLeft(workDir);
    });

    test('a data dir of another major gives POSTGRES_MAJOR_MISMATCH naming both and the package to install', async () => {
      const restore = async ({ dataDir }: RestoreTarget): Promise<void> =>
        writeFile(join(dataDir, 'PG_VERSION'), '16\n');
      const error = await engine.startRestored(spec({ restore })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect(error).toMatchObject({
        code: 'POSTGRES_MAJOR_MISMATCH',
        message: expect.stringMatching(/PostgreSQL 16 \(PG_VERSION\) .*PostgreSQL 15/),
      });
      expect((error as EngineError).hint).toMatch(/postgresql-16/);
      await expectNothingLeft(workDir);
    });

    test('a restore that leaves no data directory gives RESTORED_DATADIR_INVALID', async () => {
      const error = await engine.startRestored(spec({ restore: async () => undefined })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect(error).toMatchObject({
        code: 'RESTORED_DATADIR_INVALID',
        message: expect.stringMatching(/PG_VERSION is missing/),
      });
      await expectNothingLeft(workDir);
    });

    test('no candidate superuser gives RESTORED_SUPERUSER_UNKNOWN naming the roles tried', async () => {
      // The source cluster was initdb'd by the local engine: its only role, and superuser, is pgdrill.
      const error = await engine
        .startRestored(spec({ superusers: ['no_such_role', 'postgres'] }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'RESTORED_SUPERUSER_UNKNOWN',
        message: expect.stringMatching(/tried no_such_role, postgres/),
      });
      expect((error as EngineError).details).toEqual([
        expect.stringMatching(/^no_such_role: role "no_such_role" does not exist/),
        expect.stringMatching(/^postgres: role "postgres" does not exist/),
      ]);
      expect((error as EngineError).hint).toMatch(/postgres\.superuser/);
      await expectNothingLeft(workDir);
    });

    test('recovery still running at recoveryTimeoutMs ends "timeout" with the server stopped', async () => {
      const slow = { restore_command: `sleep 3; cp '${lab.archive}/%f' '%p'` };
      const startedAt = Date.now();
      await using server = await engine.startRestored(spec({ recovery: slow, recoveryTimeoutMs: 2_000 }));
      expect(server.recovery.ended).toBe('timeout');
      expect(server.recovery.durationMs).toBeGreaterThanOrEqual(2_000);
      expect(Date.now() - startedAt).toBeLessThan(30_000);
      expect(await processesUnder(workDir)).toEqual([]);
    });

    test('an abort during recovery stops the server and removes everything', async () => {
      const controller = new AbortController();
      const slow = { restore_command: `sleep 1; cp '${lab.archive}/%f' '%p'` };
      const timer = setTimeout(() => controller.abort(new Error('test abort')), 2_000);
      const error = await engine
        .startRestored(spec({ recovery: slow, signal: controller.signal }))
        .catch((e: unknown) => e);
      clearTimeout(timer);
      expect(error).toMatchObject({ code: 'SERVER_START_ABORTED' });
      await expectNothingLeft(workDir);
    });

    test('settings a restored server must not take are refused before anything is created', async () => {
      const error = await engine
        .startRestored(
          spec({
            settings: { archive_mode: 'on' },
            recovery: { recovery_target_action: 'pause', primary_conninfo: 'host=x' },
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).details).toEqual([
        expect.stringMatching(/^settings\.archive_mode: .*never archives/),
        expect.stringMatching(/^recovery\.recovery_target_action: .*promotion/),
        expect.stringMatching(/^recovery\.primary_conninfo: .*never follows a primary/),
      ]);
      expect(await readdir(workDir)).toEqual([]);
    });
  },
);
