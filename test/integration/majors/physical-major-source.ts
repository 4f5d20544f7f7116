import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from './major-source.js';

/**
 * A scripted history on a PostgreSQL server in a container of `image`, archived by that server's own
 * archive_command into a bind-mounted directory (files 0600, owned by the container's postgres uid: what a
 * real archive on a shared disk looks like), with pg_basebackup tars taken by that major's own tool.
 * Rows: `rowsAtBackup` when the base backups are taken, `rowsAfterInsert` at the restore point, then an
 * accident leaves `rowsAfterAccident`, all archived.
 */
export interface PhysicalHistory {
  /** Under the backups root: `base-tar/` (-Ft), `base-tgz/` (-Ft -z), the archive `wal/`, and `shop.dump` when asked. */
  tar: string;
  tgz: string;
  wal: string;
  restorePoint: string;
  /** A time after the restore point and before the accident. */
  t1: string;
  rowsAtBackup: number;
  rowsAfterInsert: number;
  rowsAfterAccident: number;
  /** Rows of public.customers throughout. */
  customers: number;
}

/** The owner of the archived files and base backups: the official postgres images' uid. */
export const ARCHIVE_UID = 999;

export const HISTORY_ROWS = { rowsAtBackup: 1000, rowsAfterInsert: 1500, rowsAfterAccident: 750, customers: 100 };

export async function makePhysicalHistory(
  image: string,
  backups: string,
  label: string,
  options: { dump?: boolean } = {},
): Promise<PhysicalHistory> {
  // The container's postgres user writes here: the directories are open to it, the files it writes are its own.
  for (const sub of ['', 'wal']) {
    await mkdir(join(backups, sub), { recursive: true });
    await chmod(join(backups, sub), 0o777);
  }
  const id = (
    await docker([
      'run',
      '-d',
      '--network',
      'none',
      '--label',
      `org.pgdrill.test=${label}`,
      '-e',
      'POSTGRES_PASSWORD=source',
      '-v',
      `${backups}:/backups`,
      image,
      'postgres',
      '-c',
      'archive_mode=on',
      '-c',
      'archive_command=test ! -f /backups/wal/%f && cp %p /backups/wal/%f',
    ])
  ).trim();
  const psql = async (sql: string, database = 'shop') =>
    (
      await docker([
        'exec',
        '-u',
        'postgres',
        id,
        'psql',
        '-X',
        '-q',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        database,
        '-c',
        sql,
      ])
    ).trim();
  let t1 = '';
  try {
    await waitUntilReady(id);
    await psql('CREATE DATABASE shop', 'postgres');
    await psql('CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL)');
    await psql(`INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, ${HISTORY_ROWS.rowsAtBackup}) g`);
    await psql('CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL)');
    await psql(`INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, ${HISTORY_ROWS.customers}) g`);
    const basebackup = (dir: string, ...args: string[]) =>
      docker(['exec', '-u', 'postgres', id, 'pg_basebackup', '-D', `/backups/${dir}`, '-c', 'fast', '-Ft', ...args]);
    await basebackup('base-tar');
    await basebackup('base-tgz', '-z');
    const from = HISTORY_ROWS.rowsAtBackup + 1;
    await psql(`INSERT INTO orders SELECT g, g % 100 FROM generate_series(${from}, ${HISTORY_ROWS.rowsAfterInsert}) g`);
    await psql("SELECT pg_create_restore_point('before_accident')");
    t1 = await psql('SELECT clock_timestamp()');
    await psql(`DELETE FROM orders WHERE id > ${HISTORY_ROWS.rowsAfterAccident}`);
    // A separate statement: the switch must follow the DELETE's commit, and the segment must be archived.
    await switchAndWaitArchived(psql);
    // That major's own pg_dump, after the accident: `rowsAfterAccident` orders.
    if (options.dump)
      await docker(['exec', '-u', 'postgres', id, 'pg_dump', '-Fc', '-f', '/backups/shop.dump', 'shop']);
    // The official images' postgres is uid 999; a Debian-built image's may equal this machine's postgres uid
    // (18's does), which would hide the real case: files only that other uid may read.
    await docker([
      'exec',
      '-u',
      'root',
      id,
      'chown',
      '-R',
      `${ARCHIVE_UID}:${ARCHIVE_UID}`,
      '/backups/wal',
      '/backups/base-tar',
      '/backups/base-tgz',
    ]);
  } finally {
    await docker(['rm', '-f', '-v', id]).catch(() => undefined);
  }
  return { tar: 'base-tar', tgz: 'base-tgz', wal: 'wal/', restorePoint: 'before_accident', t1, ...HISTORY_ROWS };
}

// Ready when the server listening on TCP answers through the socket (the official image's entry point first
// runs a temporary server with listen_addresses ''); over when the container exits. Each probe is one docker exec.
export async function waitUntilReady(id: string): Promise<void> {
  const probe = "SELECT current_setting('listen_addresses') <> ''";
  for (;;) {
    const answer = await docker(['exec', '-u', 'postgres', id, 'psql', '-X', '-At', '-c', probe]).catch(() => '');
    if (answer.trim() === 't') return;
    if ((await docker(['inspect', '-f', '{{.State.Running}}', id])).trim() !== 'true')
      throw new Error(`source container exited: ${await docker(['logs', '--tail', '20', id]).catch(() => '')}`);
  }
}

// A segment counts once pg_stat_archiver names it (or a later one) as archived; a failed archive_command fails here.
export async function switchAndWaitArchived(psql: (sql: string) => Promise<string>): Promise<void> {
  const segment = await psql('SELECT pg_walfile_name(pg_switch_wal())');
  for (;;) {
    const [last, failed] = (
      await psql("SELECT coalesce(last_archived_wal, '') || '|' || coalesce(last_failed_wal, '') FROM pg_stat_archiver")
    ).split('|');
    if (last!.slice(0, 24) >= segment) return;
    if (failed && failed.slice(0, 24) >= segment) throw new Error(`archive_command failed for ${failed}`);
  }
}
