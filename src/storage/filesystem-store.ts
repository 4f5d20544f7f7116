import type { Dirent, Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
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
    const found = await stat(root).catch(() => undefined);
    if (found?.isDirectory()) return;
    throw new StorageError('STORAGE_UNREACHABLE', `The backup directory ${root} ${found ? 'is not a directory' : 'does not exist'}`, {
      hint: 'check the filesystem store root in the suite (relative paths are relative to the suite file) and that the volume is mounted',
    });
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
      const found = await stat(file).catch(() => undefined);
      return found?.isFile() ? toInfo(key, found) : undefined;
    },

    async read(key, { range, signal } = {}) {
      const file = resolveKey(root, key);
      await checkRoot();
      // Open first so a missing file fails here, not later as a stream error.
      const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
        throw notFound(key, root, error.code ?? error.message, error);
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw notFound(key, root, 'not a regular file');
      }
      const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {}) as Readable;
      return signal ? addAbortSignal(signal, stream) : stream;
    },

    async close() {},
  };
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
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw new StorageError(code === 'EACCES' ? 'STORAGE_ACCESS_DENIED' : 'STORAGE_UNREACHABLE', `Could not list the directory ${dir}: ${code ?? String(error)}`, {
      cause: error,
      hint: 'check that the user running pgdrill may read and traverse every directory under the store root',
    });
  }
  for (const entry of entries) {
    const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, key, found);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      const info = await stat(full).catch(() => undefined);
      if (info?.isFile()) found.push(toInfo(key, info));
    }
  }
}

function toInfo(key: string, info: Stats): ObjectInfo {
  return { key, size: info.size, lastModified: info.mtime };
}
