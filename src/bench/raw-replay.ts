import { createReadStream } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { findInstallations } from '../engines/local/find-installations.js';
import { findFreePort } from '../engines/local/free-port.js';
import { resolveServerUser, runAs, type OsUser } from '../engines/local/os-user.js';
import { SERVER_ROLE } from '../engines/local/server-config.js';
import { serverEnvironment } from '../engines/server-environment.js';
import { registerCleanup } from '../process/cleanup.js';
import { runCommand } from '../process/run-command.js';
import { shellQuote } from '../util/shell-quote.js';

export interface RawReplayOptions {
  /** Holds base.tar and pg_wal.tar (pg_basebackup -Ft -X stream). */
  backupDir: string;
  /** The WAL archive restore_command copies from. */
  walDir: string;
  /** Where the server's directory is made (and removed). */
  workDir: string;
  /** After promotion, `select count(*)` of this table in this database must give `rows`; the query's time is not counted. */
  verify: RowCount;
}

export interface RowCount {
  database: string;
  table: string;
  rows: number;
}

export interface RawRecoveryOptions {
  /** Where the server's directory is made (and removed). */
  workDir: string;
  /** Fill the empty data directory (0700, owned by the server's user), recovery.signal included. */
  fill(dataDir: string, user: OsUser | undefined): Promise<void>;
  /** restore_command written in postgresql.conf; absent: the one `fill` wrote (postgresql.auto.conf) is kept. */
  restoreCommand?: string;
  /** After promotion, `select count(*)` must give `verify.rows`. */
  verify: RowCount;
  /** Count the count's time too (it is one of the raw procedure's steps). @default false */
  countVerify?: boolean;
}

/**
 * Point-in-time recovery by hand, as a runbook does it: untar the base backup into a fresh data dir,
 * `restore_command = 'cp <archive>/%f %p'`, recovery.signal, `pg_ctl start`, wait until the server has
 * left recovery (pg_is_in_recovery() false after promotion), then stop it and remove the data dir.
 * Returns those seconds; the row count that proves the replay went to the end is checked but not counted.
 */
export async function rawReplay(options: RawReplayOptions): Promise<number> {
  return rawRecovery({
    workDir: options.workDir,
    restoreCommand: `cp ${shellQuote(`${options.walDir}/`)}%f %p`,
    verify: options.verify,
    async fill(dataDir, user) {
      const as = runAs(user);
      await untar(join(options.backupDir, 'base.tar'), dataDir, as);
      await untar(join(options.backupDir, 'pg_wal.tar'), join(dataDir, 'pg_wal'), as);
      await writeOwned(join(dataDir, 'recovery.signal'), '', user);
      await writeOwned(join(dataDir, 'postgresql.auto.conf'), '', user);
    },
  });
}

/**
 * A physical restore by hand up to promotion: `fill` an empty data dir (it writes recovery.signal), a
 * postgresql.conf of the bench's own, `pg_ctl start -w`, poll until recovery has ended, count the rows
 * (a replay that stopped early would still promote), stop the server and remove its directory. The server
 * gets the durability settings pgdrill's restored servers get (fsync, full_page_writes and
 * synchronous_commit off), so the comparison is of the tools, not of the settings.
 */
export async function rawRecovery(options: RawRecoveryOptions): Promise<number> {
  const t0 = performance.now();
  let uncounted = 0;
  const resolved = await resolveServerUser();
  if (!resolved.ok) throw new Error(resolved.reason);
  const user = resolved.user;
  const binDir =
    (await findInstallations()).find((i) => i.major === 15)?.binDir ?? (await findInstallations())[0]!.binDir;
  const serverDir = await mkdtemp(join(options.workDir, 'raw-replay-'));
  const dataDir = join(serverDir, 'data');
  const socketDir = join(serverDir, 'sock');
  const logPath = join(serverDir, 'server.log');
  const as = runAs(user);
  const pgCtl = (args: string[]) =>
    runCommand(join(binDir, 'pg_ctl'), [...args, '-D', dataDir], {
      ...as,
      cwd: '/',
      env: serverEnvironment(user?.home),
      extendEnv: false,
      timeoutMs: 3_700_000,
      errorCode: 'BENCH_PG_CTL_FAILED',
    });
  let started = false;
  const unregister = registerCleanup(`raw replay server in ${serverDir}`, async () => {
    if (started) await pgCtl(['stop', '-m', 'immediate', '-w']).catch(() => {});
    await rm(serverDir, { recursive: true, force: true });
  });
  try {
    await own(serverDir, user);
    for (const dir of [dataDir, socketDir]) {
      await mkdir(dir, { mode: 0o700 });
      await own(dir, user);
    }
    await options.fill(dataDir, user);
    const port = await findFreePort();
    await writeOwned(join(dataDir, 'postgresql.conf'), renderConf(port, socketDir, options.restoreCommand), user);
    await writeOwned(join(dataDir, 'pg_hba.conf'), 'local all all trust\n', user);
    started = true;
    await pgCtl(['start', '-w', '-t', '3600', '-l', logPath]);
    await waitUntilPromoted(socketDir, port);
    const tv = performance.now();
    await verifyRows(socketDir, port, options.verify);
    if (!options.countVerify) uncounted = performance.now() - tv;
    await pgCtl(['stop', '-m', 'fast', '-w']);
    started = false;
    return (performance.now() - t0 - uncounted) / 1000;
  } finally {
    if (started) await pgCtl(['stop', '-m', 'immediate', '-w']).catch(() => {});
    unregister();
    await rm(serverDir, { recursive: true, force: true });
  }
}

function renderConf(port: number, socketDir: string, restoreCommand: string | undefined): string {
  return [
    `listen_addresses = '127.0.0.1'`,
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    'unix_socket_permissions = 0700',
    'archive_mode = off',
    ...(restoreCommand === undefined ? [] : [`restore_command = '${restoreCommand.replace(/'/g, "''")}'`]),
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    `max_wal_size = '4GB'`,
    "lc_messages = 'C'",
    '',
  ].join('\n');
}

// 100 ms between looks (pgdrill looks every 250 ms): the raw side is not slowed by its waiting.
async function waitUntilPromoted(socketDir: string, port: number): Promise<void> {
  const client = new pg.Client({ host: socketDir, port, user: SERVER_ROLE, database: 'postgres' });
  client.on('error', () => {});
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ r: boolean }>('select pg_is_in_recovery() as r');
      if (!rows[0]!.r) return;
      await sleep(100);
    }
  } finally {
    await client.end().catch(() => {});
  }
}

// A replay that stopped early (a segment not found, a broken cp) would still promote: the rows prove it did not.
async function verifyRows(socketDir: string, port: number, verify: RowCount): Promise<void> {
  const client = new pg.Client({ host: socketDir, port, user: SERVER_ROLE, database: verify.database });
  await client.connect();
  try {
    const n = Number((await client.query<{ n: string }>(`select count(*) as n from ${verify.table}`)).rows[0]!.n);
    if (n !== verify.rows)
      throw new Error(`raw replay recovered ${n} rows of ${verify.table}, expected ${verify.rows}`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function untar(file: string, into: string, as: { uid?: number; gid?: number }): Promise<void> {
  await runCommand('tar', ['-x', '-f', '-', '-C', into], {
    ...as,
    input: createReadStream(file),
    timeoutMs: 3_600_000,
    errorCode: 'BENCH_UNTAR_FAILED',
  });
}

async function own(path: string, user: OsUser | undefined): Promise<void> {
  await chmod(path, 0o700);
  if (user) await chown(path, user.uid, user.gid);
}

export async function writeOwned(path: string, text: string, user: OsUser | undefined): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  if (user) await chown(path, user.uid, user.gid);
}
