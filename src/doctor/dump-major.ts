import { constants, gunzipSync } from 'node:zlib';
import { readHead } from '../init/sniff-object.js';
import { readArchiveHeader } from '../sources/pgdump/archive-header.js';
import type { FoundArchive } from '../sources/pgdump/find-archive.js';
import type { ArchiveOptions } from '../sources/pgdump/pgdump-options.js';
import { sniffCompression, sniffFormat } from '../sources/pgdump/sniff-format.js';
import type { ObjectStore } from '../storage/object-store.js';

const HEAD_BYTES = 64 * 1024;

export interface DumpMajor {
  major?: number;
  /** Why the major is not known before the restore reads the archive. */
  unknownBecause?: string;
  /** The outer compression the first bytes show. */
  compression?: 'none' | 'gzip' | 'zstd';
}

/**
 * The major of the pg_dump that wrote an archive, from its first 64 KiB (a ranged read, never the whole
 * archive): the custom/tar/directory header, or a plain dump's "Dumped by pg_dump version" line. gzip is
 * inflated as far as those bytes go; zstd and encrypted archives are read only by the restore.
 */
export async function readDumpMajor(
  store: ObjectStore,
  found: FoundArchive,
  options: ArchiveOptions,
): Promise<DumpMajor> {
  if (options.decrypt) return { unknownBecause: 'the archive is encrypted' };
  const key = found.files ? `${found.key}/toc.dat` : found.key;
  const size = found.files ? found.files.find((f) => f.key === key)?.size : found.size;
  if (!size) return { unknownBecause: 'the archive is empty' };
  let head = await readHead(store, key, Math.min(HEAD_BYTES, size));
  const compression = sniffCompression(head);
  if (compression === 'zstd') return { compression, unknownBecause: 'the archive is zstd-compressed' };
  if (compression === 'gzip') {
    try {
      head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return { compression, unknownBecause: 'its first bytes do not inflate' };
    }
  }
  const format = found.files ? 'custom' : sniffFormat(head);
  if (format === 'plain') {
    const version = /^-- Dumped by pg_dump version (\d+)/m.exec(head.toString('utf8'))?.[1];
    return version ? { compression, major: Number(version) } : { compression, unknownBecause: 'no version line' };
  }
  if (format === undefined) return { compression, unknownBecause: 'its first bytes are not a pg_dump archive' };
  const major = readArchiveHeader(head, format)?.dumpMajor;
  return major ? { compression, major } : { compression, unknownBecause: 'its header names no pg_dump version' };
}
