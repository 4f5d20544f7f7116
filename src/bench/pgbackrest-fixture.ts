import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DrillError } from '../errors.js';
import { createFixtureWorkspace, shellQuote } from '../demo/physical/fixture-workspace.js';
import { waitForArchived } from '../demo/physical/history.js';
import { startArchivingServer, withClient } from '../demo/physical/source-server.js';
import type { StartedLocalServer } from '../engines/local/started-local-server.js';
import { runCommand } from '../process/run-command.js';
import { renderBenchPgbackrestConf } from './pgbackrest-plan.js';
import { WAL_DATABASE, writeWal } from './wal-fixture.js';

export interface PgbackrestBenchFixture {
  /** Holds the repository (`<root>/repo`): the root of the pgdrill side's filesystem store. */
  root: string;
  /** repo1-path inside `root`, as the suite gives it. */
  repoPath: '/repo';
  stanza: 'main';
  /** pgbackrest.conf of the source and the raw side (repository, private lock, log and spool paths), owned by the server user. */
  conf: string;
  /** The full backup's label. */
  backupLabel: string;
  /** The restore point both sides recover to: rows inserted after it must not be there. */
  restorePoint: string;
  /** Rows of public.wal_events in the `shop` database at the restore point. */
  rows: number;
}

const STANZA = 'main';
const RESTORE_POINT = 'pgdrill_bench_end';
const seconds = (t: number) => (performance.now() - t) / 1000;

/**
 * A pgBackRest repository in a local directory (repo1-type=posix): a full backup of a `shop` database of
 * about `sizeMb`, then about `walMb` of WAL written after it and pushed with `archive-push`, a restore point,
 * a last batch of rows after it (so stopping at the target is proven by the count) and the WAL switched and
 * archived. Everything lives in `benchDir` and goes with it.
 */
export async function makePgbackrestBenchFixture(
  benchDir: string,
  sizes: { sizeMb: number; walMb: number },
  log: (line: string) => void,
): Promise<PgbackrestBenchFixture> {
  // Not disposed here: the tool directories stay for the raw side; the bench's cleanup removes them.
  const ws = await createFixtureWorkspace(benchDir, 'pgbackrest');
  const repo = await ws.makeOwnedDir(join(ws.dir, 'repo'));
  const conf = join(ws.tools.config, 'pgbackrest.conf');
  const archiveCommand = `pgbackrest --config=${shellQuote(conf)} --stanza=${STANZA} archive-push %p`;
  const pgbackrest = (server: StartedLocalServer, args: string[], timeoutMs = 3_600_000) =>
    runCommand('pgbackrest', [`--config=${conf}`, `--stanza=${STANZA}`, ...args], {
      ...ws.runAs,
      cwd: ws.tools.home,
      env: { HOME: ws.tools.home, PGHOST: '127.0.0.1', PGPASSWORD: server.connection.password, PGSSLMODE: 'disable' },
      secrets: [server.connection.password],
      errorCode: 'BENCH_PGBACKREST_FAILED',
      timeoutMs,
    });
  await using server = await startArchivingServer(ws.dir, archiveCommand, async (started) => {
    const text = renderBenchPgbackrestConf({
      repoPath: repo,
      tools: ws.tools,
      stanza: STANZA,
      source: { dataDir: started.dataDir, port: started.connection.port, user: started.connection.user },
    });
    await writeFile(conf, text, { mode: 0o600 });
    if (ws.user) await chown(conf, ws.user.uid, ws.user.gid);
    await pgbackrest(started, ['stanza-create'], 300_000);
  });
  await pgbackrest(server, ['check'], 300_000);

  await fillDatabase(server, sizes.sizeMb, log);
  const tb = performance.now();
  await pgbackrest(server, ['--type=full', 'backup']);
  const info = JSON.parse((await pgbackrest(server, ['--output=json', 'info'], 300_000)).stdout) as Array<{
    backup?: Array<{ label: string; info?: { repository?: { size?: number } } }>;
  }>;
  const backup = info[0]?.backup?.at(-1);
  if (!backup)
    throw new DrillError('BENCH_PGBACKREST_INFO', `pgbackrest info lists no backup in ${repo} after a full backup`);
  log(
    `pgbackrest fixture: full backup ${backup.label} (${((backup.info?.repository?.size ?? 0) / 1048576).toFixed(0)} MiB in the repository) in ${seconds(tb).toFixed(1)} s`,
  );

  const rows = await writeWalPastRestorePoint(server, sizes.walMb, log);
  return {
    root: ws.dir,
    repoPath: '/repo',
    stanza: STANZA,
    conf,
    backupLabel: backup.label,
    restorePoint: RESTORE_POINT,
    rows,
  };
}

// A `bench_data` table of about sizeMb, and the empty table the WAL is written into after the backup.
async function fillDatabase(server: StartedLocalServer, sizeMb: number, log: (line: string) => void): Promise<void> {
  const t = performance.now();
  // ~200 bytes per row with its primary key (measured; the demo tables add ~9 MiB): rows for the requested size.
  const bulk = Math.round((sizeMb * 1024 * 1024) / 200);
  await withClient(
    server,
    (c) =>
      c.query(
        `CREATE TABLE public.bench_data (id bigserial PRIMARY KEY, account int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);
         INSERT INTO public.bench_data (account, payload, created_at)
           SELECT g % 10000, md5(g::text) || md5((g * 31)::text) || md5((g * 17)::text), timestamptz '2026-01-01' + g * interval '1 second'
           FROM generate_series(1, ${bulk}) g;
         CREATE TABLE public.wal_events (id bigserial PRIMARY KEY, account int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);`,
      ),
    WAL_DATABASE,
  );
  const size = await withClient(
    server,
    async (c) => Number((await c.query<{ n: string }>('select pg_database_size(current_database()) as n')).rows[0]!.n),
    WAL_DATABASE,
  );
  log(
    `pgbackrest fixture: ${bulk.toLocaleString('en')} rows, ${(size / 1048576).toFixed(0)} MiB database, generated in ${seconds(t).toFixed(1)} s`,
  );
}

// About walMb of WAL after the backup, the restore point, rows after it, the WAL switched and archived.
async function writeWalPastRestorePoint(
  server: StartedLocalServer,
  walMb: number,
  log: (line: string) => void,
): Promise<number> {
  const tw = performance.now();
  const rows = await writeWal(server, walMb);
  await withClient(server, (c) => c.query(`select pg_create_restore_point('${RESTORE_POINT}')`), WAL_DATABASE);
  // Committed after the restore point: a recovery that went past the target would count them.
  await withClient(
    server,
    (c) =>
      c.query(
        `INSERT INTO public.wal_events (account, payload, created_at) SELECT 0, 'after the restore point', now() FROM generate_series(1, 1000)`,
      ),
    WAL_DATABASE,
  );
  // A statement of its own: in the same string as the INSERT it would switch before the commit.
  const segment = await withClient(
    server,
    async (c) => (await c.query<{ seg: string }>('select pg_walfile_name(pg_switch_wal()) as seg')).rows[0]!.seg,
  );
  await waitForArchived(server, segment, 600_000);
  log(
    `pgbackrest fixture: ${rows.toLocaleString('en')} rows inserted after the backup, restore point ${RESTORE_POINT}, WAL up to ${segment} pushed with archive-push in ${seconds(tw).toFixed(1)} s`,
  );
  return rows;
}
