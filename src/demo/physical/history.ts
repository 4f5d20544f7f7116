import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { DrillError } from '../../errors.js';
import type { StartedLocalServer } from '../../engines/local/started-local-server.js';
import { countOrders, withClient } from './source-server.js';

/** One committed transaction of the history, as recovery targets name it. */
export interface HistoryPoint {
  /** clock_timestamp() right after the commit, ISO 8601 with microseconds and offset: `2025-01-02T03:04:05.123456+00:00`. */
  time: string;
  /** txid_current() inside the transaction (a recovery_target_xid). */
  xid: string;
  /** pg_current_wal_insert_lsn() right after the commit (a recovery_target_lsn): past the commit record even with synchronous_commit=off, where the write position may not be yet. */
  lsn: string;
}

/** What happened after the base backup, so a test knows the rows a PITR to each target must recover. */
export interface PhysicalHistory {
  /** shop.orders rows when the (first) base backup was taken. */
  rowsAtBackup: number;
  /** After T1, the insert: a PITR to t1.time, t1.xid, t1.lsn or the restore point recovers this many. */
  rowsAfterInsert: number;
  /** After T2, the accident (every even id deleted): a PITR to the end of the archive recovers this many. */
  rowsAfterAccident: number;
  t1: HistoryPoint;
  t2: HistoryPoint;
  /** Created between T1 and T2 (recovery_target_name). */
  restorePoint: 'before_accident';
  /** pg_stat_archiver.last_archived_wal once the segment holding T2 was archived. */
  lastArchivedWal: string;
}

export interface WriteHistoryOptions {
  /** Rows T1 inserts. @default 500 */
  insertRows?: number;
  /** How long to wait for the switched segment to be archived. @default 30000 */
  archiveTimeoutMs?: number;
}

export const RESTORE_POINT = 'before_accident';
const NOW_ISO = `to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'`;

/** Write T1, the restore point, T2, switch WAL and wait until the segment holding T2 is archived. */
export async function writeHistory(
  server: StartedLocalServer,
  rowsAtBackup: number,
  options: WriteHistoryOptions = {},
): Promise<PhysicalHistory> {
  const insertRows = options.insertRows ?? 500;
  // pgBackRest keeps a backup's stop time in whole seconds and picks a backup for --target only when it
  // stopped strictly before it: T1 must fall in a later second than the end of the backup.
  await sleep(1100);
  const t1 = await withClient(server, (c) =>
    commitAndRecord(
      c,
      `insert into shop.orders (user_id, amount, status)
       select (select min(id) from shop.users), g, 'placed' from generate_series(1, ${Number(insertRows)}) g`,
    ),
  );
  const rowsAfterInsert = await countOrders(server);
  await withClient(server, (c) => c.query(`select pg_create_restore_point('${RESTORE_POINT}')`));
  // Targets given to the second must still fall between T1 and T2.
  await sleep(1100);
  const t2 = await withClient(server, (c) => commitAndRecord(c, 'delete from shop.orders where id % 2 = 0'));
  const rowsAfterAccident = await countOrders(server);
  // A statement of its own: in the same string as the DELETE it would switch before the commit.
  const segment = await withClient(
    server,
    async (c) => (await c.query<{ seg: string }>('select pg_walfile_name(pg_switch_wal()) as seg')).rows[0]!.seg,
  );
  const lastArchivedWal = await waitForArchived(server, segment, options.archiveTimeoutMs ?? 30_000);
  return { rowsAtBackup, rowsAfterInsert, rowsAfterAccident, t1, t2, restorePoint: RESTORE_POINT, lastArchivedWal };
}

async function commitAndRecord(client: pg.Client, statement: string): Promise<HistoryPoint> {
  await client.query('begin');
  try {
    await client.query(statement);
    const xid = (await client.query<{ xid: string }>('select txid_current()::text as xid')).rows[0]!.xid;
    await client.query('commit');
    const after = await client.query<{ time: string; lsn: string }>(
      `select ${NOW_ISO} as time, pg_current_wal_insert_lsn()::text as lsn`,
    );
    return { time: after.rows[0]!.time, xid, lsn: after.rows[0]!.lsn };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

interface ArchiverState {
  last_archived_wal: string | null;
  last_failed_wal: string | null;
  failed_count: string;
}

/** Poll pg_stat_archiver until a segment at or after `segment` was archived. */
export async function waitForArchived(server: StartedLocalServer, segment: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen: ArchiverState | undefined;
  for (;;) {
    seen = await withClient(
      server,
      async (c) =>
        (
          await c.query<ArchiverState>(
            'select last_archived_wal, last_failed_wal, failed_count::text from pg_stat_archiver',
          )
        ).rows[0],
      'postgres',
    );
    const last = seen?.last_archived_wal ?? '';
    if (/^[0-9A-F]{24}$/.test(last) && last >= segment) return last;
    if (Date.now() >= deadline) break;
    await sleep(200);
  }
  throw new DrillError(
    'FIXTURE_WAL_NOT_ARCHIVED',
    `WAL segment ${segment} was not archived within ${timeoutMs} ms: pg_stat_archiver shows last_archived_wal=${seen?.last_archived_wal ?? 'none'}, ` +
      `last_failed_wal=${seen?.last_failed_wal ?? 'none'}, failed_count=${seen?.failed_count ?? '?'}`,
    {
      hint: `the archive_command failed or is slow; see the server log at ${server.logPath}`,
      details: await server.logTail(10),
    },
  );
}
