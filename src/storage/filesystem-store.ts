import type { Dirent, Stats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { addAbortSignal, pipeline, Transform } from 'node:stream';
import { ConfigError, SourceError, StorageError } from '../errors.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';

export interface FilesystemStoreOptions {
  /** Absolute directory that holds the backups; keys are paths relative to it. */
  root: string;
}

/** A directory seen as an object store: read-only, keys use '/' whatever the platform. */
export function createFilesystemStore(options: FilesystemStoreOptions): ObjectStore {
  const root = path.resolve(options.root);

  const checkRoot = async (): Promise<void> => {
    const found = await statOrMissing(root, root);
    if (found?.isDirectory()) return;
    throw new StorageError(
      'STORAGE_UNREACHABLE',
      `The backup directory ${root} ${found ? 'is not a directory' : 'does not exist'}`,
      {
        hint: 'check the filesystem store root in the suite (relative paths are relative to the suite file) and that the volume is mounted',
      },
    );
  };

  return {
    kind: 'filesystem',
    description: root,
    localPath: (key) => resolveKey(root, key),

    async list(prefix) {
      await checkRoot();
      // Walk only the deepest directory the prefix names, then filter by the rest of it.
      const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const found: ObjectInfo[] = [];
      await walk(resolveKey(root, start), start, found);
      return found.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async head(key) {
      const file = resolveKey(root, key);
      await checkRoot();
      // Only "no such file" means absent: a file this process may not read is not a missing one (a WAL
      // segment reported missing ends recovery early, as if the archive ended there).
      const found = await statOrMissing(file, root);
      return found?.isFile() ? toInfo(key, found) : undefined;
    },

    async read(key, { range, signal, expectedSize } = {}) {
      const file = resolveKey(root, key);
      await checkRoot();
      // Open first so a missing file fails here, not later as a stream error.
      const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
        throw notFound(key, root, error.code ?? error.message, error);
      });
      const before = await handle.stat();
      if (!before.isFile()) {
        await handle.close();
        throw notFound(key, root, 'not a regular file');
      }
      if (expectedSize !== undefined && !range && before.size !== expectedSize) {
        await handle.close();
        throw changed(file, `is ${before.size} bytes now, but ${expectedSize} bytes when it was listed`);
      }
      // Read to the end of the file (no `end` for a whole read) so a file that grows is noticed too.
      const source = handle.createReadStream(
        range ? { start: range.start, end: range.end, autoClose: false } : { autoClose: false },
      );
      const stream = pipeline(
        source,
        countBytes(file, handle, before, range),
        () => void handle.close().catch(() => {}),
      );
      return signal ? addAbortSignal(signal, stream) : stream;
    },

    async close() {},
  };
}

/** Passes the bytes through and fails instead of ending when they are not the whole file (or range) as opened. */
function countBytes(
  file: string,
  handle: FileHandle,
  before: Stats,
  range: { start: number; end: number } | undefined,
): Transform {
  const expected = range ? Math.max(0, Math.min(range.end, before.size - 1) - range.start + 1) : before.size;
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      handle.stat().then(
        (after) => {
          if (bytes !== expected)
            done(
              changed(
                file,
                `gave ${bytes} of ${expected} bytes: it changed size while it was read (now ${after.size} bytes)`,
              ),
            );
          else if (after.size !== before.size || after.mtimeMs !== before.mtimeMs)
            done(
              changed(
                file,
                `changed while it was read (${before.size} bytes, modified ${before.mtime.toISOString()}; now ${after.size} bytes, modified ${after.mtime.toISOString()})`,
              ),
            );
          else done();
        },
        (error: Error) => done(changed(file, `could not be checked after reading: ${error.message}`)),
      );
    },
  });
}

function changed(file: string, what: string): StorageError {
  return new StorageError('STORAGE_OBJECT_CHANGED', `The file ${file} ${what}`, {
    hint: 'something wrote to the backup while the drill read it; run the drill again once the backup job has finished',
  });
}

function notFound(key: string, root: string, reason: string, cause?: unknown): SourceError {
  return new SourceError('BACKUP_NOT_FOUND', `Could not open ${key} in ${root}: ${reason}`, {
    cause,
    hint: 'list the directory to see which files exist; the backup may have been removed by retention',
  });
}

/** Absolute path of a key, refusing keys that would leave the root. */
function resolveKey(root: string, key: string): string {
  const parts = key.split('/');
  if (path.isAbsolute(key) || key.includes('\\') || key.includes('\0') || parts.includes('..')) {
    throw new ConfigError('KEY_OUTSIDE_ROOT', `The key ${JSON.stringify(key)} is not a path inside ${root}`, {
      hint: "use a path relative to the store's root, without '..' or a leading '/'",
    });
  }
  return path.join(root, ...parts.filter((p) => p !== '' && p !== '.'));
}

// Symlinked files are followed; symlinked directories are not (no cycles, no duplicates such as pgBackRest's `latest`).
async function walk(dir: string, relative: string, found: ObjectInfo[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw fsFailure(
      error,
      `list the directory ${dir}`,
      'check that the user running pgdrill may read and traverse every directory under the store root',
    );
  }
  for (const entry of entries) {
    const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, key, found);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      const info = await statOrMissing(full, dir);
      if (info?.isFile()) found.push(toInfo(key, info));
    }
  }
}

/** stat, with undefined for a path that is not there; any other failure (EACCES, EIO) is an error that names it. */
async function statOrMissing(file: string, root: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    const hint = isDenied(error)
      ? `the user running this (uid ${process.getuid?.() ?? '?'}) may not traverse or read it: make every directory under ${root} traversable and its files readable by that user`
      : `check the volume that holds ${root}`;
    throw fsFailure(error, `look at ${file}`, hint);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function isDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

/** A file system error other than "not there": access denied, or the store is not usable (EIO, ELOOP …). */
function fsFailure(error: unknown, doing: string, hint: string): StorageError {
  const code = (error as NodeJS.ErrnoException).code;
  return new StorageError(
    isDenied(error) ? 'STORAGE_ACCESS_DENIED' : 'STORAGE_UNREACHABLE',
    `Could not ${doing}: ${code ?? String(error)}`,
    { cause: error, hint },
  );
}

function toInfo(key: string, info: Stats): ObjectInfo {
  return { key, size: info.size, lastModified: info.mtime };
}
