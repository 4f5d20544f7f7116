import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StorageError } from '../../errors.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { FoundArchive } from './find-archive.js';
import type { OpenedArchive } from './archive-stream.js';

/** Write a decoded archive to a private file (0600): parallel pg_restore needs a seekable file. */
export async function downloadDecoded(opened: OpenedArchive, path: string, signal?: AbortSignal): Promise<void> {
  try {
    await pipeline(opened.stream, createWriteStream(path, { mode: 0o600 }), { signal });
  } catch (error) {
    throw opened.failure() ?? error;
  }
}

/** Copy every file of a directory-format dump into a private directory (0700), as stored. */
export async function downloadDirectory(
  store: ObjectStore,
  archive: FoundArchive,
  target: string,
  options: { signal?: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<{ readRetries: number }> {
  let total = 0;
  let readRetries = 0;
  for (const file of archive.files ?? []) {
    const path = join(target, file.key.slice(archive.key.length + 1));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const body = await store.read(file.key, {
      signal: options.signal,
      expectedSize: file.size,
      onResume: () => void (readRetries += 1),
    });
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      options.onBytes?.((total += chunk.length));
    });
    await pipeline(body, createWriteStream(path, { mode: 0o600 }), { signal: options.signal });
    if (bytes !== file.size)
      throw new StorageError(
        'STORAGE_READ_INCOMPLETE',
        `${store.description}/${file.key} was not read whole: ${bytes} of its ${file.size} bytes`,
        {
          hint: 'the connection to the store was cut or the object changed while it was read; run the drill again',
        },
      );
  }
  return { readRetries };
}
