import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import { finished, pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DrillError, SourceError, StorageError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { createTarEndWatch } from '../../util/tar-end.js';

export async function decoded(store: ObjectStore, object: ObjectInfo): Promise<Readable> {
  const body = await store.read(object.key);
  // pipeline, not pipe: a peek that stops early destroys the gunzip stream, and with it the read (its file
  // handle or connection), which pipe() would leave open until garbage collection.
  return object.key.endsWith('.gz') ? pipeline(body, createGunzip(), () => undefined) : body;
}

/** Extract one tar of the backup; the object must be read whole (bytes = listed size) and tar must succeed. */
export async function extractTar(
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
    if (failure) throw failure;
    // tar's "Unexpected EOF in archive": an object read whole whose tar stream stops mid-entry was cut.
    if (!input.readableEnded) await finished(input.resume()).catch(() => undefined);
    if (failure) throw failure;
    if (bytes === object.size && !end.ended()) throw truncatedTar(what, bytes, error);
    throw error;
  }
  if (!input.readableEnded) await finished(input.resume()).catch(() => undefined);
  if (failure) throw failure;
  if (bytes !== object.size)
    throw new StorageError(
      'STORAGE_READ_INCOMPLETE',
      `${what} was not read whole: ${bytes} of its ${object.size} bytes`,
      { hint: 'run the drill again' },
    );
  if (!end.ended()) throw truncatedTar(what, bytes);
}

function truncatedTar(what: string, bytes: number, cause?: unknown): SourceError {
  return new SourceError(
    'BACKUP_TRUNCATED',
    `${what} was read whole (${bytes} bytes) but its tar stream stops without the two zero blocks that end a tar archive`,
    {
      cause,
      details: cause instanceof DrillError ? cause.details : [],
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

export async function readText(store: ObjectStore, key: string): Promise<string> {
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

export async function copyPlain(
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
