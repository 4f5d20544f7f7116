import pg from 'pg';
import type { Queryable } from '../checks/check.js';

export interface CheckConnection extends Queryable {
  close(): Promise<void>;
}

export interface CheckConnectionOptions {
  retryMs?: number;
  signal?: AbortSignal;
  /**
   * Suite-written SQL: every statement alone in a READ ONLY transaction that is rolled back, sent with the
   * extended protocol (one statement per string), and a refusal reworded to say so.
   */
  readOnly?: { role: string; statementTimeoutSeconds: number };
}

/**
 * SQLSTATEs of a refusal by the read-only role: read-only transaction, needs to run outside a transaction
 * (VACUUM), privilege, timeout; and of the syntax errors (42601), only "several commands in one string".
 */
const REFUSALS = new Set(['25006', '25001', '42501', '57014']);
const isRefusal = (code: string, message: string) =>
  REFUSALS.has(code) || (code === '42601' && /multiple commands/.test(message));

/**
 * The checks' connection to the restored database. A check that crashes the server (amcheck can, on a
 * damaged page) reports that as its own failure; the next check then gets a fresh connection once the
 * server has recovered, instead of every later check failing on a dead socket.
 */
export function createCheckConnection(config: pg.ClientConfig, options: CheckConnectionOptions = {}): CheckConnection {
  let client: pg.Client | undefined;
  let broken = false;
  const connect = async (): Promise<pg.Client> => {
    if (client && !broken) return client;
    await client?.end().catch(() => {});
    const deadline = Date.now() + (options.retryMs ?? 30_000);
    for (;;) {
      const fresh = new pg.Client({ ...config, application_name: 'pgdrill' });
      fresh.on('error', () => {
        broken = true;
      });
      try {
        await fresh.connect();
        client = fresh;
        broken = false;
        return fresh;
      } catch (error) {
        await fresh.end().catch(() => {});
        // The server is still in crash recovery ("the database system is in recovery mode"): wait.
        if (Date.now() > deadline || options.signal?.aborted) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  options.signal?.addEventListener('abort', () => void client?.end().catch(() => {}), { once: true });
  const readOnly = options.readOnly;
  return {
    async query(sql, params) {
      const c = await connect();
      try {
        if (!readOnly) return (await c.query(sql, params as unknown[])).rows;
        await c.query('begin transaction read only');
        try {
          // The extended protocol refuses "select 1; delete …" before anything runs.
          const statement = { text: sql, values: (params as unknown[]) ?? [], queryMode: 'extended' } as pg.QueryConfig;
          return (await c.query(statement)).rows;
        } finally {
          // Rolled back, not committed, then the session reset: a SET, PREPARE or LISTEN does not outlive the statement.
          await c.query('rollback').catch(() => undefined);
          await c.query('discard all').catch(() => undefined);
        }
      } catch (error) {
        if ((error as { code?: string }).code === undefined) broken = true; // a socket error, not an SQL one
        throw readOnly ? explainRefusal(error, readOnly) : error;
      }
    },
    async close() {
      await client?.end().catch(() => {});
    },
  };
}

/** Say why a read-only statement was refused; the pg error's fields stay, so it still formats as one. */
function explainRefusal(error: unknown, readOnly: NonNullable<CheckConnectionOptions['readOnly']>): unknown {
  const code = (error as { code?: string }).code;
  if (!(error instanceof Error) || code === undefined || !isRefusal(code, error.message)) return error;
  const timeout = code === '57014' ? `, each statement at most ${readOnly.statementTimeoutSeconds} s` : '';
  error.message = `suite SQL runs read-only as role ${readOnly.role}${timeout} (one statement, no writes, no superuser): ${error.message}`;
  return error;
}
