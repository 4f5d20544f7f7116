/**
 * A throwaway PostgreSQL that can be stopped and started again on the same data directory, for tests that damage
 * relation files while the server is down. Same approach as scratch-postgres.ts: initdb into a temp dir, trust
 * auth on 127.0.0.1, run as the `postgres` OS user when the tests run as root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, openSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { findFreePort } from '../../src/engines/local/free-port.js';
import { connectWhenReady, PG_BIN, postgresOsUser, toQueryable, type ScratchDatabase } from './scratch-postgres.js';

export { scratchPostgresUnavailable as restartablePostgresUnavailable } from './scratch-postgres.js';

export interface RestartablePostgres {
  port: number;
  dataDir: string;
  /** Connects to a database; stopServer() and destroy() close every connection made here. */
  connect(database: string): Promise<ScratchDatabase>;
  createDatabase(name: string): Promise<ScratchDatabase>;
  /** Fast shutdown, keeping the data directory. */
  stopServer(): Promise<void>;
  /** Starts on the same data directory and port, and waits for connections (through crash recovery if any). */
  startServer(): Promise<void>;
  /** Stops the server and removes the temp dir. */
  destroy(): Promise<void>;
}

export async function startRestartablePostgres(
  options: { dataChecksums?: boolean } = {},
): Promise<RestartablePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-restartable-'));
  const user = process.getuid?.() === 0 ? postgresOsUser() : undefined;
  if (user) chownSync(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'server.log');
  const clients: pg.Client[] = [];
  let server: ChildProcess | undefined;
  const port = await findFreePort();

  const closeClients = async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.end()));
  };
  const connect = async (database: string): Promise<ScratchDatabase> => {
    const client = await connectWhenReady(port, database, () => !server || server.exitCode !== null, logPath, {
      label: 'restartable postgres',
      tolerateCrash: true,
    });
    clients.push(client);
    return { client, db: toQueryable(client) };
  };
  const stopServer = async () => {
    await closeClients();
    if (server) await stopProcess(server);
    server = undefined;
  };
  const startServer = async () => {
    const log = openSync(logPath, 'a');
    if (user) chownSync(logPath, user.uid, user.gid);
    const settings = [
      'listen_addresses=127.0.0.1',
      `unix_socket_directories=${dir}`,
      'fsync=off',
      'synchronous_commit=off',
    ];
    server = spawn(
      join(PG_BIN, 'postgres'),
      ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])],
      {
        ...asUser,
        cwd: dir,
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    const probe = await connect('postgres');
    await probe.client.end();
    clients.splice(clients.indexOf(probe.client), 1);
  };
  const destroy = async () => {
    await stopServer();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const checksums = options.dataChecksums ? ['--data-checksums'] : [];
    execFileSync(
      join(PG_BIN, 'initdb'),
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', ...checksums],
      {
        ...asUser,
        cwd: dir,
        stdio: 'pipe',
      },
    );
    await startServer();
    const createDatabase = async (name: string) => {
      const admin = await connect('postgres');
      await admin.client.query(`create database "${name.replaceAll('"', '""')}"`);
      return connect(name);
    };
    return { port, dataDir, connect, createDatabase, stopServer, startServer, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** Overwrites bytes of a file in place (a relation file while the server is stopped). */
export async function overwriteBytes(file: string, position: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, position);
  } finally {
    await handle.close();
  }
}

// SIGINT is PostgreSQL's fast shutdown; SIGKILL only if it does not go within 10 s.
async function stopProcess(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
