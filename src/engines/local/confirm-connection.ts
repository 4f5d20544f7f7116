import pg from 'pg';
import type { ConnectionInfo } from '../engine.js';

export interface ConfirmConnectionInput {
  connection: ConnectionInfo;
  /** Give up at this time (Date.now() scale). */
  deadline: number;
  signal?: AbortSignal;
  /** SQLSTATEs to retry besides "starting up" and "too many clients" (28000 right after a pg_hba.conf reload). */
  alsoTransient?: readonly string[];
}

// SQLSTATEs that mean "not yet" (starting up, too many clients) rather than "never".
const TRANSIENT_SQLSTATES = new Set(['57P03', '53300']);

/**
 * `pg_ctl start -w` only watched postmaster.pid; a real login over TCP with the password proves the
 * server, pg_hba.conf and the role are right. Returns `server_version`.
 */
export async function confirmConnection(input: ConfirmConnectionInput): Promise<string> {
  for (;;) {
    try {
      return await queryServerVersion(input.connection, Math.max(1000, input.deadline - Date.now()));
    } catch (error) {
      if (input.signal?.aborted || Date.now() >= input.deadline || !isTransient(error, input.alsoTransient))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function queryServerVersion(connection: ConnectionInfo, timeoutMs: number): Promise<string> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    database: connection.database,
    ssl: false,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'pgdrill',
  });
  client.on('error', () => {
    /* a server that goes away mid-session surfaces through the query promise */
  });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isTransient(error: unknown, alsoTransient: readonly string[] = []): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || alsoTransient.includes(code)))
  );
}
