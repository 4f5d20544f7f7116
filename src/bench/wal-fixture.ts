import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EmbeddedS3 } from '../demo/embedded-s3.js';
import { DEMO_DATABASE } from '../demo/fixture-database.js';
import { backupWalStart, verifyUploaded, waitForCompleteArchive } from '../demo/physical/complete-archive.js';
import { createFixtureWorkspace, shellQuote } from '../demo/physical/fixture-workspace.js';
import { waitForArchived } from '../demo/physical/history.js';
import { runBaseBackup, startArchivingServer, withClient } from '../demo/physical/source-server.js';
import type { StartedLocalServer } from '../engines/local/started-local-server.js';

export interface WalFixture {
  /** Root of the layout a filesystem store reads: `basebackup/<label>/` (base.tar, pg_wal.tar, backup_manifest) and `wal/`. */
  root: string;
  backupKey: string;
  /** `<root>/<backupKey>`. */
  tarDir: string;
  /** `<root>/wal`: what `archive_command = 'cp %p …/%f'` wrote, owned by the server user. */
  walDir: string;
  /** Rows of `public.wal_events` in the `shop` database at the end of the archive. */
  rows: number;
  segments: number;
  /** Where the same backup and archive lie in the embedded S3, once uploaded. */
  s3?: { bucket: string };
}

export const WAL_DATABASE = DEMO_DATABASE;
const seconds = (t: number) => (performance.now() - t) / 1000;

/**
 * A base backup (pg_basebackup -Ft -X stream) of an archiving server (the demo's source server), then
 * about `walMb` of WAL written after it by inserts and archived with cp: the replay the comparisons time.
 */
export async function makeWalFixture(
  benchDir: string,
  walMb: number,
  log: (line: string) => void,
): Promise<WalFixture> {
  await using ws = await createFixtureWorkspace(benchDir, 'wal');
  const walDir = await ws.makeOwnedDir(join(ws.dir, 'wal'));
  const label = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const backupKey = `basebackup/${label}`;
  const tarDir = join(ws.dir, backupKey);
  let rows: number;
  {
    await using server = await startArchivingServer(ws.dir, `cp %p ${shellQuote(walDir)}/%f`);
    await withClient(server, (c) =>
      c.query(
        'CREATE TABLE public.wal_events (id bigserial PRIMARY KEY, account int NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL)',
      ),
    );
    await runBaseBackup(server, ['-D', tarDir, '-Ft', '-X', 'stream', '-l', label], {
      errorCode: 'BENCH_PG_BASEBACKUP_FAILED',
      timeoutMs: 600_000,
    });
    const t = performance.now();
    rows = await writeWal(server, walMb);
    const segment = await withClient(
      server,
      async (c) => (await c.query<{ seg: string }>('select pg_walfile_name(pg_switch_wal()) as seg')).rows[0]!.seg,
    );
    const last = await waitForArchived(server, segment, 600_000);
    const start = await backupWalStart(tarDir);
    const names = await waitForCompleteArchive({
      dir: walDir,
      suffix: '',
      fromLsn: start.lsn,
      timeline: start.timeline,
      last,
      timeoutMs: 600_000,
    });
    log(
      `wal fixture: ${rows.toLocaleString('en')} rows inserted after the base backup, ${names.length} segments (${names.length * 16} MiB) archived in ${seconds(t).toFixed(1)} s`,
    );
    return { root: ws.dir, backupKey, tarDir, walDir, rows, segments: names.length };
  }
}

/** Inserts into public.wal_events (it must exist) in batches until the WAL written since the call reaches walMb; returns the rows. */
export async function writeWal(server: StartedLocalServer, walMb: number): Promise<number> {
  return withClient(
    server,
    async (c) => {
      const start = (await c.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
      const written = async () =>
        Number(
          (await c.query<{ n: string }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '${start}')::bigint as n`))
            .rows[0]!.n,
        );
      let rows = 0;
      const batch = 100_000;
      while ((await written()) < walMb * 1024 * 1024) {
        await c.query(
          `INSERT INTO public.wal_events (account, payload, created_at)
         SELECT g % 10000, md5(g::text) || md5((g * 31)::text), timestamptz '2026-01-01' + g * interval '1 second'
         FROM generate_series(${rows + 1}, ${rows + batch}) g`,
        );
        rows += batch;
      }
      return rows;
    },
    WAL_DATABASE,
  );
}

/** Upload the base backup and the archive under the same keys as on disk, and check every size. */
export async function uploadWalFixture(fixture: WalFixture, s3: EmbeddedS3, bucket: string): Promise<void> {
  for (const [dir, prefix] of [
    [fixture.tarDir, `${fixture.backupKey}/`],
    [fixture.walDir, 'wal/'],
  ] as const) {
    const names = (await readdir(dir)).sort();
    for (const name of names) await s3.putFile(bucket, prefix + name, join(dir, name));
    await verifyUploaded(s3, bucket, prefix, dir, names);
  }
  fixture.s3 = { bucket };
}
