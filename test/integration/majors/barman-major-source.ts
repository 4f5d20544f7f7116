import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../src/process/run-command.js';
import type { EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { docker } from './major-source.js';
import { HISTORY_ROWS, switchAndWaitArchived, waitUntilReady } from './physical-major-source.js';

/**
 * A PostgreSQL server of another major in a container, backed up by this machine's barman-cloud (3.4 on Debian
 * 12) into the embedded S3: barman-cloud runs beside the server, as CloudNativePG's barman-cloud sidecar does.
 * barman-cloud-backup connects over TCP and reads the data directory, bind-mounted at the same path on both
 * sides; the server's archive_command copies each segment into a shared spool and barman-cloud-wal-archive
 * uploads it from there, in order. Rows as in physical-major-source.ts: `rowsAtBackup` in the backup,
 * `rowsAfterInsert` at the restore point and `t1`, then an accident leaves `rowsAfterAccident`, all archived.
 */
export interface BarmanMajorHistory {
  backupId: string;
  /** `version` of barman-cloud-backup-list's entry (e.g. 170012). */
  version: number;
  restorePoint: string;
  t1: string;
  /** Segments barman-cloud-wal-archive uploaded. */
  uploaded: string[];
  rowsAtBackup: number;
  rowsAfterInsert: number;
  rowsAfterAccident: number;
}

export interface BarmanMajorOptions {
  image: string;
  s3: EmbeddedS3;
  /** `s3://<bucket>/<prefix>`: barman's destination URL. */
  url: string;
  server: string;
  /** A directory of this machine (0711 or wider up to /): the data directory and the spool go below it. */
  dir: string;
  label: string;
}

export async function makeBarmanMajorHistory(options: BarmanMajorOptions): Promise<BarmanMajorHistory> {
  const { image, s3, url, server, dir } = options;
  const pgdata = join(dir, 'pgdata');
  const spool = join(dir, 'spool');
  for (const sub of [pgdata, spool]) {
    await mkdir(sub, { recursive: true });
    await chmod(sub, 0o777);
  }
  const id = (
    await docker([
      'run',
      '-d',
      '--label',
      `org.pgdrill.test=${options.label}`,
      '-e',
      'POSTGRES_PASSWORD=source',
      '-e',
      `PGDATA=${pgdata}/data`,
      '-v',
      `${pgdata}:${pgdata}`,
      '-v',
      `${spool}:/spool`,
      '-p',
      '127.0.0.1::5432',
      image,
      'postgres',
      '-c',
      'archive_mode=on',
      '-c',
      'archive_command=test ! -f /spool/%f && cp %p /spool/%f',
    ])
  ).trim();
  const psql = (sql: string, database = 'shop') => runSql(id, sql, database);
  const cloud = ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint];
  const env = { ...s3.env(), AWS_CA_BUNDLE: s3.caPath };
  const barman = async (tool: string, args: string[], extra: Record<string, string> = {}) =>
    (await runCommand(tool, [...cloud, ...args], { env: { ...env, ...extra }, timeoutMs: 300_000 })).stdout;
  try {
    await waitUntilReady(id);
    const port = (await docker(['port', id, '5432'])).trim().split(':').at(-1)!;
    await psql('CREATE DATABASE shop', 'postgres');
    await psql('CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL)');
    await psql(`INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, ${HISTORY_ROWS.rowsAtBackup}) g`);
    await barman(
      'barman-cloud-backup',
      ['--immediate-checkpoint', '-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-d', 'postgres', url, server],
      { PGPASSWORD: 'source', PGSSLMODE: 'disable' },
    );
    const from = HISTORY_ROWS.rowsAtBackup + 1;
    await psql(`INSERT INTO orders SELECT g, g % 100 FROM generate_series(${from}, ${HISTORY_ROWS.rowsAfterInsert}) g`);
    await psql("SELECT pg_create_restore_point('before_accident')");
    const t1 = await psql('SELECT clock_timestamp()');
    await psql(`DELETE FROM orders WHERE id > ${HISTORY_ROWS.rowsAfterAccident}`);
    // A separate statement: the switch must follow the DELETE's commit, and the segment must be archived.
    await switchAndWaitArchived(psql);
    // Each file the server archived, oldest first, as the sidecar's barman-cloud-wal-archive would upload it.
    const uploaded = (await readdir(spool)).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
    for (const file of uploaded) await barman('barman-cloud-wal-archive', [url, server, join(spool, file)]);
    const listed = JSON.parse(await barman('barman-cloud-backup-list', ['--format', 'json', url, server])) as {
      backups_list?: { backup_id: string; version: number }[];
    };
    const [backup] = listed.backups_list ?? [];
    if (!backup) throw new Error(`barman-cloud-backup-list shows no backup of ${server} at ${url}`);
    return {
      backupId: backup.backup_id,
      version: backup.version,
      restorePoint: 'before_accident',
      t1,
      uploaded,
      ...HISTORY_ROWS,
    };
  } finally {
    await docker(['rm', '-f', '-v', id]).catch(() => undefined);
  }
}

async function runSql(id: string, sql: string, database: string): Promise<string> {
  const out = await docker([
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
  ]);
  return out.trim();
}
