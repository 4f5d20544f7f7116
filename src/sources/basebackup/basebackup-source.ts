import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { finished, pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Transform, pipeline, type Readable } from 'node:stream';
import { DrillError, SourceError, StorageError } from '../../errors.js';
import { withDiskFull } from '../../util/disk-full.js';
import { createTarEndWatch } from '../../util/tar-end.js';
import { runCommand } from '../../process/run-command.js';
import { fetchWalCommand } from '../../recovery/fetch-wal-config.js';
import { startWalPrefetch, type WalPrefetch } from '../../recovery/wal-prefetch.js';
import { parseSegmentKey, segmentOfLsn, segmentName } from '../../recovery/wal-segments.js';
import type { StoreConfig } from '../../storage/create-store.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { pickBackup } from '../../storage/pick-backup.js';
import {
  awsEnv,
  type ArchivedSegment,
  type PhysicalContext,
  type PreparedPhysical,
} from '../physical/physical-source.js';
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
    throw new SourceError(
      'BACKUP_NOT_FOUND',
      `${store.description}/${dir} holds neither base.tar[.gz] nor PG_VERSION`,
      { hint: 'point key/prefix at the directory pg_basebackup wrote' },
    );
  const versionText = base
    ? await peekTarFile(await decoded(store, base), 'PG_VERSION')
    : await readText(store, `${dir}/PG_VERSION`);
  const start = await readStart(store, files, dir, base);
  const archive: ArchivedSegment[] = (await ctx.walStore.list(options.wal.prefix, { signal: ctx.signal })).flatMap(
    (o) => {
      const segment = parseSegmentKey(o.key);
      return segment ? [{ ...segment, lastModified: o.lastModified }] : [];
    },
  );
  const prefetch = options.wal.prefetch;
  let prefetcher: WalPrefetch | undefined;
  return {
    major: versionText ? Number(versionText.trim()) : undefined,
    provenance: {
      store: store.description,
      key: dir,
      size: files.reduce((s, f) => s + f.size, 0),
      lastModified: (base ?? files[0]!).lastModified.toISOString(),
      format: base ? 'pg_basebackup tar' : 'pg_basebackup plain',
      wal: `${ctx.walStore.description}/${options.wal.prefix}`,
    },
    startSegment: start,
    archive,
    // The prefetcher reads the archive in pgdrill's own process: the server's restore_command needs no credentials.
    serverEnv: (access) =>
      prefetch ? {} : { ...awsEnv(ctx.env, access.caBundle), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    restoreCommand: async (target, access) => {
      if (!prefetch)
        return fetchWalCommand({
          store: withCaBundle(ctx.walStoreConfig, access.caBundle),
          prefix: options.wal.prefix,
        });
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
        if (!base) return copyPlain(store, files, dir, target.dataDir, ctx.signal);
        await extractTar(store, base, target.dataDir, as);
        const wal = has('pg_wal.tar.gz') ?? has('pg_wal.tar');
        if (wal) await extractTar(store, wal, join(target.dataDir, 'pg_wal'), as);
      }),
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
  return pickBackup(unique, {
    pick: options.pick,
    pattern: options.pattern ? new RegExp(options.pattern) : undefined,
    orderBy: options.orderBy,
    where,
  }).key;
}

/**
 * The first WAL segment replay needs: backup_manifest's WAL-Ranges, a plain copy's backup_label, or the
 * backup_label inside base.tar[.gz] (pg_basebackup -Ft writes it first, so only the tar's start is read).
 */
async function readStart(store: ObjectStore, files: ObjectInfo[], dir: string, base: ObjectInfo | undefined) {
  if (files.some((f) => f.key === `${dir}/backup_manifest`)) {
    const manifest = JSON.parse(await readText(store, `${dir}/backup_manifest`)) as {
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
  const label = files.some((f) => f.key === `${dir}/backup_label`)
    ? await readText(store, `${dir}/backup_label`)
    : base
      ? await peekTarFile(await decoded(store, base), 'backup_label')
      : undefined;
  const m = label ? /START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/.exec(label) : null;
  return m ? parseSegmentKey(m[1]!) : undefined;
}

async function decoded(store: ObjectStore, object: ObjectInfo): Promise<Readable> {
  const body = await store.read(object.key);
  // pipeline, not pipe: a peek that stops early destroys the gunzip stream, and with it the read (its file
  // handle or connection), which pipe() would leave open until garbage collection.
  return object.key.endsWith('.gz') ? pipeline(body, createGunzip(), () => undefined) : body;
}

/** Extract one tar of the backup; the object must be read whole (bytes = listed size) and tar must succeed. */
async function extractTar(
  store: ObjectStore,
  object: ObjectInfo,
  into: string,
  as: { uid?: number; gid?: number; signal?: AbortSignal },
): Promise<void> {
  const what = `${store.description}/${object.key}`;
  let bytes = 0;
  let failure: Error | undefined;
  const count = new Transform({
    transform(chunk: Buffer, _e, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (bytes === object.size) return done();
      done(
        new StorageError(
          'STORAGE_READ_INCOMPLETE',
          `reading ${what} ended after ${bytes} of its ${object.size} bytes`,
          { hint: 'the connection to the store was cut or the object changed while it was read; run the drill again' },
        ),
      );
    },
  });
  const remember = (stage: 'read' | 'gunzip') => (error: Error | null | undefined) => {
    if (error && !failure && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      failure = classifyStreamError(error, stage, what, bytes);
  };
  const end = createTarEndWatch();
  const watch = new Transform({
    transform(chunk: Buffer, _e, done) {
      end.feed(chunk);
      done(null, chunk);
    },
  });
  let input: Readable = pipeline(await store.read(object.key, { signal: as.signal }), count, remember('read'));
  if (object.key.endsWith('.gz')) input = pipeline(input, createGunzip(), remember('gunzip'));
  input = pipeline(input, watch, remember('gunzip'));
  try {
    await runCommand('tar', ['-x', '-f', '-', '-C', into], { ...as, input, errorCode: 'RESTORE_FAILED' });
  } catch (error) {
    throw failure ?? error;
  }
  if (!input.readableEnded) await finished(input.resume()).catch(() => undefined);
  if (failure) throw failure;
  if (bytes !== object.size)
    throw new StorageError(
      'STORAGE_READ_INCOMPLETE',
      `${what} was not read whole: ${bytes} of its ${object.size} bytes`,
      { hint: 'run the drill again' },
    );
  if (!end.ended())
    throw new SourceError(
      'BACKUP_TRUNCATED',
      `${what} was read whole (${bytes} bytes) but its tar stream stops without the two zero blocks that end a tar archive`,
      {
        hint: 'the base backup was cut when it was written or uploaded; take a new one and check the job that uploads it',
      },
    );
}

/** A read cut is the store's fault (exit 3); a gzip stream that stops or does not decode is the backup's. */
function classifyStreamError(error: Error, stage: 'read' | 'gunzip', what: string, bytes: number): Error {
  if (error instanceof DrillError || error.name === 'AbortError') return error;
  if (stage === 'read')
    return new StorageError(
      'STORAGE_READ_INCOMPLETE',
      `reading ${what} failed after ${bytes} bytes: ${error.message}`,
      { cause: error, hint: 'the store or the connection to it failed mid-read; run the drill again' },
    );
  const truncated =
    (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(error.message);
  return new SourceError(
    truncated ? 'BACKUP_TRUNCATED' : 'DECOMPRESS_FAILED',
    `${what} ${truncated ? 'stops in the middle of its gzip stream' : 'does not decompress'} (${error.message})`,
    {
      cause: error,
      hint: 'the base backup is damaged or was cut when it was uploaded; take a new one',
    },
  );
}

async function readText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Object stores keep no empty directories; a data directory needs these even when empty.
const EMPTY_DIRS = [
  'pg_wal/archive_status',
  'pg_tblspc',
  'pg_replslot',
  'pg_twophase',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat',
  'pg_stat_tmp',
  'pg_logical/snapshots',
  'pg_logical/mappings',
  'pg_commit_ts',
  'pg_dynshmem',
  'pg_subtrans',
];

async function copyPlain(
  store: ObjectStore,
  files: ObjectInfo[],
  dir: string,
  dataDir: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const empty of EMPTY_DIRS) await mkdir(join(dataDir, empty), { recursive: true, mode: 0o700 });
  for (const file of files) {
    const path = join(dataDir, file.key.slice(dir.length + 1));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await pipelineAsync(await store.read(file.key, { signal }), createWriteStream(path, { mode: 0o600 }), { signal });
  }
}
