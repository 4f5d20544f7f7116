import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from './major-source.js';
import { ARCHIVE_UID, HISTORY_ROWS, switchAndWaitArchived, waitUntilReady } from './physical-major-source.js';

/**
 * A scripted history on a PostgreSQL server in a container of `image`, backed up by that image's own pgBackRest:
 * `stanza-create`, a full backup, WAL by `archive_command = pgbackrest archive-push`; then rows, a restore
 * point, a time, an accident, all archived. The repository is left as a containerised pgBackRest on a shared
 * disk leaves it: 0640 files (0750 directories) of another uid, here ARCHIVE_UID.
 */
export interface PgbackrestHistory {
  /** repo1-path: `backups/pgbackrest` on this machine. */
  path: string;
  stanza: string;
  restorePoint: string;
  /** A time after the restore point and before the accident. */
  t1: string;
  rowsAtBackup: number;
  rowsAfterInsert: number;
  rowsAfterAccident: number;
  /** The image's own pgBackRest that made the backup (`pgBackRest 2.55.1`). */
  madeBy: string;
}

export async function makePgbackrestHistory(
  image: string,
  backups: string,
  label: string,
  /** Encrypt the repository (repo1-cipher-type aes-256-cbc) with this pass. */
  cipherPass?: string,
): Promise<PgbackrestHistory> {
  const path = '/pgbackrest';
  const stanza = 'main';
  const env: Record<string, string> = {
    PGBACKREST_STANZA: stanza,
    PGBACKREST_PG1_PATH: '/var/lib/postgresql/data',
    PGBACKREST_REPO1_PATH: path,
    PGBACKREST_REPO1_RETENTION_FULL: '9',
    PGBACKREST_LOG_PATH: '/tmp',
    PGBACKREST_LOG_LEVEL_FILE: 'off',
    PGBACKREST_LOCK_PATH: '/tmp/pgbackrest-lock',
    PGBACKREST_START_FAST: 'y',
    ...(cipherPass ? { PGBACKREST_REPO1_CIPHER_TYPE: 'aes-256-cbc', PGBACKREST_REPO1_CIPHER_PASS: cipherPass } : {}),
  };
  // The container's postgres user writes here; chmod 777 stands for a shared disk it may write.
  await mkdir(join(backups, 'pgbackrest'), { recursive: true });
  for (const dir of [backups, join(backups, 'pgbackrest')]) await chmod(dir, 0o777);
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
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      '-v',
      `${join(backups, 'pgbackrest')}:${path}`,
      image,
      'postgres',
      '-c',
      'archive_mode=on',
      '-c',
      'archive_command=pgbackrest archive-push %p',
    ])
  ).trim();
  const asPostgres = (...args: string[]) => docker(['exec', '-u', 'postgres', id, ...args]);
  const psql = async (sql: string, database = 'shop') =>
    (await asPostgres('psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql)).trim();
  try {
    await waitUntilReady(id);
    await psql('CREATE DATABASE shop', 'postgres');
    await psql('CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL)');
    await psql(`INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, ${HISTORY_ROWS.rowsAtBackup}) g`);
    await asPostgres('pgbackrest', 'stanza-create');
    await asPostgres('pgbackrest', 'backup', '--type=full');
    const from = HISTORY_ROWS.rowsAtBackup + 1;
    await psql(`INSERT INTO orders SELECT g, g % 100 FROM generate_series(${from}, ${HISTORY_ROWS.rowsAfterInsert}) g`);
    await psql("SELECT pg_create_restore_point('before_accident')");
    const t1 = await psql('SELECT clock_timestamp()');
    await psql(`DELETE FROM orders WHERE id > ${HISTORY_ROWS.rowsAfterAccident}`);
    await switchAndWaitArchived(psql);
    const madeBy = (await asPostgres('pgbackrest', 'version')).trim();
    await docker(['exec', '-u', 'root', id, 'chown', '-R', `${ARCHIVE_UID}:${ARCHIVE_UID}`, path]);
    return { path, stanza, restorePoint: 'before_accident', t1, madeBy, ...HISTORY_ROWS };
  } finally {
    await docker(['rm', '-f', '-v', id]).catch(() => undefined);
  }
}
