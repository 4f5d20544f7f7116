import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { SourceError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { fetchWalCommand } from '../../recovery/fetch-wal-config.js';
import { parseSegmentKey, segmentOfLsn, segmentName } from '../../recovery/wal-segments.js';
import type { StoreConfig } from '../../storage/create-store.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { pickBackup } from '../../storage/pick-backup.js';
import { awsEnv, type ArchivedSegment, type PhysicalContext, type PreparedPhysical } from '../physical/physical-source.js';
import type { BasebackupOptions } from './basebackup-options.js';
import { peekTarFile } from './tar-peek.js';

const MARKERS = ['base.tar.gz', 'base.tar', 'PG_VERSION'];

/** Find the base backup, read its version and WAL start, list the WAL archive; restore on demand. */
export async function prepareBasebackup(
  ctx: PhysicalContext & { options: BasebackupOptions; walStore: ObjectStore; walStoreConfig: StoreConfig },
): Promise<PreparedPhysical> {
  const { store, options } = ctx;
  const dir = await findBackupDir(store, options, ctx.signal);
  const files = await store.list(`${dir}/`, { signal: ctx.signal });
  const has = (name: string) => files.find((f) => f.key === `${dir}/${name}`);
  const base = has('base.tar.gz') ?? has('base.tar');
  if (!base && !has('PG_VERSION'))
    throw new SourceError('BACKUP_NOT_FOUND', `${store.description}/${dir} holds neither base.tar[.gz] nor PG_VERSION`, { hint: 'point key/prefix at the directory pg_basebackup wrote' });
  const versionText = base ? await peekTarFile(await decoded(store, base), 'PG_VERSION') : await readText(store, `${dir}/PG_VERSION`);
  const start = await readStart(store, files, dir);
  const archive: ArchivedSegment[] = (await ctx.walStore.list(options.wal.prefix, { signal: ctx.signal })).flatMap((o) => {
    const segment = parseSegmentKey(o.key);
    return segment ? [{ ...segment, lastModified: o.lastModified }] : [];
  });
  return {
    major: versionText ? Number(versionText.trim()) : undefined,
    provenance: { store: store.description, key: dir, size: files.reduce((s, f) => s + f.size, 0), lastModified: (base ?? files[0]!).lastModified.toISOString(), format: base ? 'pg_basebackup tar' : 'pg_basebackup plain', wal: `${ctx.walStore.description}/${options.wal.prefix}` },
    startSegment: start,
    archive,
    serverEnv: (access) => ({ ...awsEnv(ctx.env, access.caBundle), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }),
    restoreCommand: (_target, access) => fetchWalCommand({ store: withCaBundle(ctx.walStoreConfig, access.caBundle), prefix: options.wal.prefix }),
    async restore(target) {
      const as = { uid: target.runAs?.uid, gid: target.runAs?.gid, signal: ctx.signal };
      if (!base) return copyPlain(store, files, dir, target.dataDir, ctx.signal);
      await runCommand('tar', ['-x', '-f', '-', '-C', target.dataDir], { ...as, input: await decoded(store, base), errorCode: 'RESTORE_FAILED' });
      const wal = has('pg_wal.tar.gz') ?? has('pg_wal.tar');
      if (wal) await runCommand('tar', ['-x', '-f', '-', '-C', join(target.dataDir, 'pg_wal')], { ...as, input: await decoded(store, wal), errorCode: 'RESTORE_FAILED' });
    },
  };
}

function withCaBundle(config: StoreConfig, caBundle: string | undefined): StoreConfig {
  return 's3' in config && caBundle ? { s3: { ...config.s3, caBundle } } : config;
}

async function findBackupDir(store: ObjectStore, options: BasebackupOptions, signal?: AbortSignal): Promise<string> {
  if (options.key !== undefined) return options.key.replace(/\/+$/, '');
  const objects = await store.list(options.prefix ?? '', { signal });
  const candidates: ObjectInfo[] = objects.flatMap((o) => {
    const marker = MARKERS.find((m) => o.key.endsWith(`/${m}`));
    return marker ? [{ ...o, key: o.key.slice(0, -marker.length - 1) }] : [];
  });
  const unique = [...new Map(candidates.map((c) => [c.key, c])).values()];
  const where = `${store.description} under prefix "${options.prefix ?? ''}"`;
  return pickBackup(unique, { pick: options.pick, pattern: options.pattern ? new RegExp(options.pattern) : undefined, orderBy: options.orderBy, where }).key;
}

/** The first WAL segment replay needs: backup_manifest's WAL-Ranges, or a plain copy's backup_label. */
async function readStart(store: ObjectStore, files: ObjectInfo[], dir: string) {
  if (files.some((f) => f.key === `${dir}/backup_manifest`)) {
    const manifest = JSON.parse(await readText(store, `${dir}/backup_manifest`)) as { 'WAL-Ranges'?: Array<{ Timeline: number; 'Start-LSN': string }> };
    const range = manifest['WAL-Ranges']?.[0];
    if (range) return { timeline: range.Timeline, number: segmentOfLsn(range['Start-LSN']), name: segmentName(range.Timeline, segmentOfLsn(range['Start-LSN'])) };
  }
  if (files.some((f) => f.key === `${dir}/backup_label`)) {
    const m = /START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/.exec(await readText(store, `${dir}/backup_label`));
    if (m) return parseSegmentKey(m[1]!);
  }
  return undefined;
}

async function decoded(store: ObjectStore, object: ObjectInfo): Promise<Readable> {
  const body = await store.read(object.key);
  return object.key.endsWith('.gz') ? body.pipe(createGunzip()) : body;
}

async function readText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Object stores keep no empty directories; a data directory needs these even when empty.
const EMPTY_DIRS = ['pg_wal/archive_status', 'pg_tblspc', 'pg_replslot', 'pg_twophase', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat', 'pg_stat_tmp', 'pg_logical/snapshots', 'pg_logical/mappings', 'pg_commit_ts', 'pg_dynshmem', 'pg_subtrans'];

async function copyPlain(store: ObjectStore, files: ObjectInfo[], dir: string, dataDir: string, signal?: AbortSignal): Promise<void> {
  for (const empty of EMPTY_DIRS) await mkdir(join(dataDir, empty), { recursive: true, mode: 0o700 });
  for (const file of files) {
    const path = join(dataDir, file.key.slice(dir.length + 1));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await pipeline(await store.read(file.key, { signal }), createWriteStream(path, { mode: 0o600 }), { signal });
  }
}
