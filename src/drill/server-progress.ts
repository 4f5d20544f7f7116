import pg from 'pg';
import type { ConnectionInfo } from '../engines/engine.js';

// WAL written, and the counters of a running COPY or CREATE INDEX (their views exist from 14 and 12 on).
const PROGRESS_SQL = `select pg_current_wal_insert_lsn()::text
  || '/' || case when current_setting('server_version_num')::int >= 120000
       then (select coalesce(sum(blocks_done + tuples_done + partitions_done), 0) from pg_stat_progress_create_index)::text else '' end
  || '/' || case when current_setting('server_version_num')::int >= 140000
       then (select coalesce(sum(bytes_processed + tuples_processed), 0) from pg_stat_progress_copy)::text else '' end as signature`;

/**
 * A signature of the work a server is doing for a restore: it changes while a COPY loads rows or an index
 * builds, even when their files are out of sight (inside a container). One connection, kept until closed.
 */
export function createServerProgress(connection: ConnectionInfo): { read(): Promise<string>; close(): Promise<void> } {
  let client: pg.Client | undefined;
  return {
    async read() {
      if (!client) {
        const fresh = new pg.Client({
          ...connection,
          database: 'postgres',
          application_name: 'pgdrill-progress',
          query_timeout: 30_000,
          connectionTimeoutMillis: 30_000,
        });
        fresh.on('error', () => (client = undefined));
        await fresh.connect();
        client = fresh;
      }
      return (await client.query<{ signature: string }>(PROGRESS_SQL)).rows[0]!.signature;
    },
    async close() {
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
