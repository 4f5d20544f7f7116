import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../../errors.js';
import type { FoundArchive } from './find-archive.js';

/**
 * An archive restored where it lies was hashed (or listed) before or while pg_restore read it: it counts only
 * when every file still has the size and modification time it was listed with once the restore has ended.
 */
export async function assertInPlaceUnchanged(found: FoundArchive, localPath: string): Promise<void> {
  const files = found.files
    ? found.files.map((f) => ({ path: join(localPath, f.key.slice(found.key.length + 1)), listed: f }))
    : [{ path: localPath, listed: found }];
  for (const { path, listed } of files) {
    const now = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (now instanceof Error)
      throw changed(path, `could not be checked after the restore: ${now.code ?? now.message}`, now);
    if (now.size !== listed.size || now.mtime.getTime() !== listed.lastModified.getTime())
      throw changed(
        path,
        `changed during the drill (${listed.size} bytes, modified ${listed.lastModified.toISOString()} when listed; ${now.size} bytes, modified ${now.mtime.toISOString()} after the restore)`,
      );
  }
}

function changed(path: string, what: string, cause?: Error): StorageError {
  return new StorageError('STORAGE_OBJECT_CHANGED', `The file ${path} ${what}`, {
    cause,
    hint: 'something wrote to the backup while the drill read it; run the drill again once the backup job has finished',
  });
}
