/**
 * A throwaway PostgreSQL server for check tests only (the product's engine lives in src/engines): initdb into a
 * temp dir, trust auth on 127.0.0.1 and a free port, run as the `postgres` OS user when the tests run as root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Queryable } from '../../src/checks/check.js';
import { findFreePort } from '../../src/engines/local/free-port.js';

export const PG_BIN = process.env.PGDRILL_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface ScratchDatabase {
  client: pg.Client;
  db: Queryable;
}

export interface ScratchPostgres extends ScratchDatabase {
  port: number;
  /** Creates a database and returns a connection to it (closed by stop()). */
  createDatabase(name: string): Promise<ScratchDatabase>;
  stop(): Promise<void>;
}

/** Why the helper cannot run here, or undefined when it can. */
export function scratchPostgresUnavailable(): string | undefined {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `no PostgreSQL binaries in ${PG_BIN}`;
  if (process.getuid?.() === 0 && postgresOsUser() === undefined)
    return 'running as root and there is no postgres OS user';
  return undefined;
}

export function toQueryable(client: pg.Client): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<R[]> {
      return (await client.query(sql, params)).rows as R[];
    },
  };
}

export async function startScratchPostgres(): Promise<ScratchPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-scratch-'));
  const user = process.getuid?.() === 0 ? postgresOsUser() : undefined;
  if (user) chownSync(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const data = join(dir, 'data');
  const clients: pg.Client[] = [];
  let server: ChildProcess | undefined;
  const stop = async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    execFileSync(
      join(PG_BIN, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'],
      {
        ...asUser,
        cwd: dir,
        stdio: 'pipe',
      },
    );
    const port = await findFreePort();
    const log = openSync(join(dir, 'server.log'), 'a');
    if (user) chownSync(join(dir, 'server.log'), user.uid, user.gid);
    const settings = [
      'listen_addresses=127.0.0.1',
      `unix_socket_directories=${dir}`,
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
    ];
    server = spawn(join(PG_BIN, 'postgres'), ['-D', data, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], {
      ...asUser,
      cwd: dir,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const connect = async (database: string) => {
      const client = await connectWhenReady(port, database, () => server!.exitCode !== null, join(dir, 'server.log'));
      clients.push(client);
      return { client, db: toQueryable(client) };
    };
    const main = await connect('postgres');
    return {
      ...main,
      port,
      async createDatabase(name) {
        await main.client.query(`create database "${name.replaceAll('"', '""')}"`);
        return connect(name);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The `postgres` OS user that test servers run as under root (initdb and postgres refuse root). */
export function postgresOsUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Connect as `postgres` once the server accepts connections; `tolerateCrash` keeps a client whose server
 * dies (a crash on a corrupt page) from throwing its 'error' event unheard.
 */
export async function connectWhenReady(
  port: number,
  database: string,
  exited: () => boolean,
  logPath: string,
  options: { label: string; tolerateCrash?: boolean } = { label: 'scratch postgres' },
): Promise<pg.Client> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
    if (options.tolerateCrash) client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (exited() || Date.now() > deadline) {
        const tail = readFileSync(logPath, 'utf8').split('\n').slice(-10).join('\n');
        throw new Error(`${options.label} did not accept connections on port ${port}: ${String(error)}\n${tail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// SIGINT is PostgreSQL's fast shutdown; SIGKILL only if it does not go within 10 s.
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
