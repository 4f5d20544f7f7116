import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { withDiskFull } from '../../util/disk-full.js';
import { startWalPrefetch, type WalPrefetch } from '../../recovery/wal-prefetch.js';
import { parseSegmentKey, segmentOfLsn, segmentName } from '../../recovery/wal-segments.js';
import type { StoreConfig } from '../../storage/create-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { pickBackup } from '../../storage/pick-backup.js';
import type { ArchivedSegment, PhysicalContext, PreparedPhysical } from '../physical/physical-source.js';
import type { BasebackupOptions } from './basebackup-options.js';
import { copyPlain, decoded, extractTar, readText } from './basebackup-files.js';
import { listBackupDir, listBackupDirs, type BackupDir } from './backup-dir.js';
import type { BackupLabel } from './incremental-label.js';
import { restoreChain, type CombineTool } from './incremental-combine.js';
import { resolveBackups } from './incremental-resolve.js';
import { peekTarFile } from './tar-peek.js';

export interface BasebackupContext extends PhysicalContext {
  options: BasebackupOptions;
  walStore: ObjectStore;
  walStoreConfig: StoreConfig;
  /** pg_combinebackup of the backup's major, for an incremental chain (the drill resolves it from its engine). */
  combineTool?: CombineTool;
}

/** Find the base backup (or its incremental chain), read its version and WAL start, list the WAL archive; restore on demand. */
export async function prepareBasebackup(ctx: BasebackupContext): Promise<PreparedPhysical> {
  const { store, options } = ctx;
  const picked = await listBackupDir(store, await findBackupDir(store, options, ctx.signal), ctx.signal);
  const { chain, label } = await resolveBackups(store, options, picked, ctx.signal);
  const newest = chain.at(-1)!;
  const { dir, files, base } = newest;
  const versionText = base
    ? await peekTarFile(await decoded(store, base), 'PG_VERSION')
    : await readText(store, `${dir}/PG_VERSION`);
  const major = versionText ? Number(versionText.trim()) : undefined;
  const start = await readStart(store, newest, label);
  const archive: ArchivedSegment[] = (await ctx.walStore.list(options.wal.prefix, { signal: ctx.signal })).flatMap(
    (o) => {
      const segment = parseSegmentKey(o.key);
      return segment ? [{ ...segment, lastModified: o.lastModified }] : [];
    },
  );
  const prefetch = options.wal.prefetch;
  let prefetcher: WalPrefetch | undefined;
  const chained = chain.length > 1;
  return {
    major,
    provenance: {
      store: store.description,
      key: dir,
      size: chain.reduce((sum, b) => sum + b.files.reduce((s, f) => s + f.size, 0), 0),
      lastModified: (base ?? files[0]!).lastModified.toISOString(),
      format: base ? 'pg_basebackup tar' : 'pg_basebackup plain',
      ...(chained ? { chain: chain.map((b) => b.dir).join(' ← '), incrementals: chain.length - 1 } : {}),
      wal: `${ctx.walStore.description}/${options.wal.prefix}`,
    },
    startSegment: start,
    archive,
    // The fetcher reads the archive in pgdrill's own process, also with prefetch 0 (on request only): the
    // server's restore_command needs no credentials, and files only pgdrill may read (0600 of another uid) replay.
    serverEnv: () => ({}),
    restoreCommand: async (target) => {
      await prefetcher?.close();
      prefetcher = await startWalPrefetch({
        store: ctx.walStore,
        prefix: options.wal.prefix,
        spoolDir: join(target.scratchDir, 'wal-spool'),
        runAs: target.runAs,
        window: prefetch,
        start,
      });
      return prefetcher.restoreCommand;
    },
    close: async () => {
      await prefetcher?.close();
    },
    restore: (target) =>
      // tar's "Cannot write: No space left on device" is the disk's fault, not the backup's.
      withDiskFull(target.dataDir, `restoring ${store.description}/${dir}`, async () => {
        const as = { uid: target.runAs?.uid, gid: target.runAs?.gid, signal: ctx.signal };
        if (!chained) return restoreOne(store, newest, target.dataDir, as);
        await restoreChain({
          chain,
          major: major ?? Number.NaN,
          target,
          tool: ctx.combineTool,
          signal: ctx.signal,
          extract: (backup, into) => restoreOne(store, backup, into, as, true),
        });
      }),
  };
}

/** One backup's files into `into`; for pg_combinebackup, a tar backup's backup_manifest (uploaded beside it) too. */
async function restoreOne(
  store: ObjectStore,
  backup: BackupDir,
  into: string,
  as: { uid?: number; gid?: number; signal?: AbortSignal },
  withManifest = false,
): Promise<void> {
  if (!backup.base) return copyPlain(store, backup.files, backup.dir, into, as.signal);
  await extractTar(store, backup.base, into, as);
  const wal = backup.has('pg_wal.tar.gz') ?? backup.has('pg_wal.tar');
  if (wal) await extractTar(store, wal, join(into, 'pg_wal'), as);
  const manifest = backup.has('backup_manifest');
  if (withManifest && manifest)
    await pipelineAsync(
      await store.read(manifest.key, { signal: as.signal, expectedSize: manifest.size }),
      createWriteStream(join(into, 'backup_manifest'), { mode: 0o600 }),
      { signal: as.signal },
    );
}

async function findBackupDir(store: ObjectStore, options: BasebackupOptions, signal?: AbortSignal): Promise<string> {
  if (options.key !== undefined) return options.key.replace(/\/+$/, '');
  const where = `${store.description} under prefix "${options.prefix ?? ''}"`;
  return pickBackup(await listBackupDirs(store, options.prefix ?? '', signal), {
    pick: options.pick,
    pattern: options.pattern ? new RegExp(options.pattern) : undefined,
    orderBy: options.orderBy,
    where,
  }).key;
}

/**
 * The first WAL segment replay needs: backup_manifest's WAL-Ranges, else the backup_label (a plain copy's, or
 * the one inside base.tar[.gz]: pg_basebackup -Ft writes it first, so only the tar's start was read). For a
 * chain, the newest backup's: pg_combinebackup gives the combined directory that backup's backup_label.
 */
async function readStart(store: ObjectStore, backup: BackupDir, label: BackupLabel | undefined) {
  if (backup.has('backup_manifest')) {
    const manifest = JSON.parse(await readText(store, `${backup.dir}/backup_manifest`)) as {
      'WAL-Ranges'?: Array<{ Timeline: number; 'Start-LSN': string }>;
    };
    const range = manifest['WAL-Ranges']?.[0];
    if (range)
      return {
        timeline: range.Timeline,
        number: segmentOfLsn(range['Start-LSN']),
        name: segmentName(range.Timeline, segmentOfLsn(range['Start-LSN'])),
      };
  }
  return label ? parseSegmentKey(label.startSegment) : undefined;
}
