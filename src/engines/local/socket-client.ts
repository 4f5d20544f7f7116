import pg from 'pg';

/** The private socket of a local server: only root and the server's OS user can enter its directory. */
export interface SocketTarget {
  socketDir: string;
  port: number;
}

/** A role and database that answered over the socket. */
export interface SocketLogin {
  user: string;
  database: string;
}

/** A connected client on the private socket (no password: only the recovery pg_hba.conf trusts it). Close it with end(). */
export async function connectOverSocket(target: SocketTarget, login: SocketLogin): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.socketDir,
    port: target.port,
    user: login.user,
    database: login.database,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    application_name: 'pgdrill',
  });
  client.on('error', () => {
    /* a server that goes away mid-session surfaces through the pending query */
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** SQLSTATE (or errno code) of a failed connection or query. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
