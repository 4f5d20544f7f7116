import { dirname, join } from 'node:path';
import pg from 'pg';
import { DrillError } from '../../errors.js';
import { createLocalEngine } from '../../engines/local/local-engine.js';
import { StartedLocalServer } from '../../engines/local/started-local-server.js';
import { createFixtureDatabase, DEMO_DATABASE } from '../fixture-database.js';
import { runCommand } from '../../process/run-command.js';

/**
 * A throwaway PostgreSQL 15 that archives its WAL with `archiveCommand` and holds the demo `shop` database.
 * `prepare` runs before the database is created, i.e. before the first segment is archived: the place to
 * write what archive_command needs to know about the server (pgbackrest.conf's pg1-path).
 */
export async function startArchivingServer(
  workDir: string,
  archiveCommand: string,
  prepare?: (server: StartedLocalServer) => Promise<void>,
): Promise<StartedLocalServer> {
  const server = await createLocalEngine().start({
    major: 15,
    workDir,
    settings: { wal_level: 'replica', archive_mode: 'on', archive_command: archiveCommand },
  });
  if (!(server instanceof StartedLocalServer)) {
    await server.stop();
    throw new DrillError(
      'FIXTURE_ENGINE_UNEXPECTED',
      'the local engine did not return a local server (its data directory is needed)',
    );
  }
  try {
    await prepare?.(server);
    await createFixtureDatabase(server);
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Path of a client binary beside psql (pg_basebackup is no ClientTool). */
export function serverBinary(server: StartedLocalServer, name: string): string {
  return join(dirname(server.clientPath('psql')), name);
}

/** Run `fn` with a connection to `database` on `server`, then close it. */
/** pg_basebackup from `server` (fast checkpoint, no fsync) with `args` (target, format, WAL method, label). */
export async function runBaseBackup(
  server: StartedLocalServer,
  args: string[],
  options: { errorCode?: string; timeoutMs?: number } = {},
): Promise<void> {
  const { host, port, user, password } = server.connection;
  await runCommand(
    serverBinary(server, 'pg_basebackup'),
    ['-h', host, '-p', String(port), '-U', user, '-c', 'fast', '--no-sync', ...args],
    {
      env: { PGPASSWORD: password, PGSSLMODE: 'disable' },
      secrets: [password],
      errorCode: options.errorCode ?? 'FIXTURE_PG_BASEBACKUP_FAILED',
      timeoutMs: options.timeoutMs ?? 300_000,
    },
  );
}

export async function withClient<T>(
  server: StartedLocalServer,
  fn: (client: pg.Client) => Promise<T>,
  database = DEMO_DATABASE,
): Promise<T> {
  const client = new pg.Client({ ...server.connection, database, ssl: false, application_name: 'pgdrill-fixture' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function countOrders(server: StartedLocalServer): Promise<number> {
  return withClient(server, async (c) =>
    Number((await c.query<{ n: string }>('select count(*) as n from shop.orders')).rows[0]?.n),
  );
}
