import pg from 'pg';
import type { Queryable } from '../checks/check.js';

export interface CheckConnection extends Queryable {
  close(): Promise<void>;
}

/**
 * The checks' connection to the restored database. A check that crashes the server (amcheck can, on a
 * damaged page) reports that as its own failure; the next check then gets a fresh connection once the
 * server has recovered, instead of every later check failing on a dead socket.
 */
export function createCheckConnection(config: pg.ClientConfig, options: { retryMs?: number; signal?: AbortSignal } = {}): CheckConnection {
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
  return {
    async query(sql, params) {
      const c = await connect();
      try {
        return (await c.query(sql, params as unknown[])).rows;
      } catch (error) {
        if ((error as { code?: string }).code === undefined) broken = true; // a socket error, not an SQL one
        throw error;
      }
    },
    async close() {
      await client?.end().catch(() => {});
    },
  };
}
