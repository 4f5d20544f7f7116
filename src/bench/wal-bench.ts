import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EmbeddedS3 } from '../demo/embedded-s3.js';
import type { BenchWorkspace } from './bench-workspace.js';
import { benchStoreYaml } from './run-pgdrill.js';
import { downloadPrefix } from './raw-download.js';
import { rawReplay } from './raw-replay.js';
import { WAL_DATABASE, type WalFixture } from './wal-fixture.js';

const seconds = (t: number) => (performance.now() - t) / 1000;

/** Raw, local: untar the base backup and replay the archive with `cp`. */
export async function rawWalLocal(ws: BenchWorkspace, fixture: WalFixture): Promise<number> {
  return rawReplay({ backupDir: fixture.tarDir, walDir: fixture.walDir, workDir: ws.dir, verify: verifyOf(fixture) });
}

/** Raw, S3: download the base backup and every WAL segment to disk (8 at a time), then the same replay with `cp`. */
export async function rawWalS3(ws: BenchWorkspace, s3: EmbeddedS3, fixture: WalFixture): Promise<number> {
  const dest = join(ws.dir, `download-wal-${Date.now()}`);
  await mkdir(dest, { mode: 0o755 });
  try {
    const t = performance.now();
    const bucket = fixture.s3!.bucket;
    await downloadPrefix(ws, s3, { bucket, prefix: `${fixture.backupKey}/`, dest: join(dest, 'base') });
    await downloadPrefix(ws, s3, { bucket, prefix: 'wal/', dest: join(dest, 'wal') });
    const download = seconds(t);
    return (
      download +
      (await rawReplay({
        backupDir: join(dest, 'base'),
        walDir: join(dest, 'wal'),
        workDir: ws.dir,
        verify: verifyOf(fixture),
      }))
    );
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}

const verifyOf = (fixture: WalFixture) => ({ database: WAL_DATABASE, table: 'public.wal_events', rows: fixture.rows });

/** Suite of the pgdrill side: a basebackup drill of the same backup and archive, with a row check (recovery is checked on every physical drill). */
export async function writeWalSuite(
  dir: string,
  fixture: WalFixture,
  store: 'filesystem' | 's3',
  s3?: EmbeddedS3,
): Promise<string> {
  const storage = benchStoreYaml(
    store,
    fixture.root,
    store === 's3' ? { bucket: fixture.s3!.bucket, server: s3! } : undefined,
  );
  const file = join(dir, `wal-${store}.yaml`);
  await writeFile(
    file,
    `name: bench-wal-${store}
storage:
  ${storage}
drills:
  - name: wal-${store}
    source: { basebackup: { store: disk, key: ${fixture.backupKey}, database: ${WAL_DATABASE}, wal: { prefix: wal/ } } }
    checks:
      - rows: { table: public.wal_events, exact: ${fixture.rows} }
`,
  );
  return file;
}
