import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ObjectStore } from '../storage/object-store.js';
import { DEFAULT_WAL_SEGMENT_SIZE } from './fetch-wal-config.js';

// A segment name (not a .history, .backup or .partial file): its size is the segment size.
export const SEGMENT_FILE_NAME = /^[0-9A-F]{24}$/;

export interface FetchWalFileInput {
  store: ObjectStore;
  prefix: string;
  /** %f: a segment, history, .partial or .backup file name. */
  file: string;
  /** Written under `${destination}.pgdrill-partial` (or `partial`), renamed here only when whole. */
  destination: string;
  partial?: string;
  /** Size every fetched segment must have. @default the size the segment's first page states, else 16 MiB */
  walSegmentSize?: number;
  signal?: AbortSignal;
  onResume?: (line: string) => void;
  /** Runs on the whole file before it is renamed into place (ownership for the server's user). */
  beforeRename?: (path: string) => Promise<void>;
}

/**
 * Fetch one archived WAL file (raw or .gz) whole, or say it is not archived. Any other failure throws: a
 * read cut short, a corrupt .gz, a segment of the wrong size. Returns the segment size of a segment.
 */
export async function fetchWalFile(
  input: FetchWalFileInput,
): Promise<{ found: false } | { found: true; segmentSize?: number }> {
  const { store, file, destination } = input;
  const base = input.prefix ? `${input.prefix.replace(/\/+$/, '')}/${file}` : file;
  for (const [key, gzip] of [
    [base, false],
    [`${base}.gz`, true],
  ] as const) {
    const stored = await store.head(key, { signal: input.signal });
    if (!stored) continue;
    const temporary = input.partial ?? `${destination}.pgdrill-partial`;
    try {
      const body = await store.read(key, {
        expectedSize: stored.size,
        signal: input.signal,
        onResume: (e) =>
          input.onResume?.(
            `pgdrill fetch-wal: resuming ${key} at byte ${e.bytesRead} of ${e.totalBytes} (attempt ${e.attempt}): ${e.reason}`,
          ),
      });
      let read = 0;
      const count = new Transform({
        transform(chunk: Buffer, _e, done) {
          read += chunk.length;
          done(null, chunk);
        },
      });
      const out = createWriteStream(temporary, { mode: 0o600 });
      await (gzip
        ? pipeline(body, count, createGunzip(), out, { signal: input.signal })
        : pipeline(body, count, out, { signal: input.signal }));
      if (read !== stored.size) throw new Error(`read ${read} of ${stored.size} bytes of ${key}`);
      const segmentSize = SEGMENT_FILE_NAME.test(file)
        ? await checkSegmentSize(temporary, key, input.walSegmentSize)
        : undefined;
      await input.beforeRename?.(temporary);
      await rename(temporary, destination);
      return { found: true, segmentSize };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
  return { found: false };
}

/** A whole segment: its size is the configured one, or the one its own first page header states. */
async function checkSegmentSize(path: string, key: string, configured: number | undefined): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(40);
    const { bytesRead } = await handle.read(header, 0, 40, 0);
    const stated = bytesRead === 40 ? header.readUInt32LE(32) : 0;
    const plausible = stated >= 1024 * 1024 && stated <= 1024 ** 3 && (stated & (stated - 1)) === 0;
    const expected = configured ?? (plausible ? stated : DEFAULT_WAL_SEGMENT_SIZE);
    if (size !== expected) {
      throw new Error(
        `${key} holds ${size} bytes of WAL, not a whole segment of ${expected} bytes: the archived segment is truncated or not a WAL segment`,
      );
    }
    return expected;
  } finally {
    await handle.close();
  }
}
