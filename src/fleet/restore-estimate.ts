import { formatBytes } from './byte-size.js';

/** Bytes a restore is expected to write under the temp dir, and how that number was reached. */
export interface RestoreEstimate {
  bytes: number;
  basis: string;
}

/** An empty cluster (initdb, one WAL segment, catalogs) before anything is restored into it. */
export const SERVER_BYTES = 64 * 2 ** 20;
/** A compressed archive (custom, directory, gzip, zstd, encrypted) becomes this much database. */
export const COMPRESSED_FACTOR = 5;
/** Uncompressed SQL or tar: the data plus indexes and a local copy for some restores. */
export const PLAIN_FACTOR = 2;
/** A physical backup whose uncompressed size is not recorded (pgBackRest repository, tar): stored × this. */
export const PHYSICAL_COMPRESSED_FACTOR = 3;
const WAL_SEGMENT_BYTES = 16 * 2 ** 20;
/** Replayed segments are recycled at restartpoints: pg_wal holds about max_wal_size (1 GB default) at most. */
export const MAX_WAL_BYTES = 2 ** 30;

export interface LogicalArchiveFacts {
  key: string;
  size: number;
  format?: string;
  compression?: string;
  encrypted?: boolean;
  /** The first archive of the drill also pays for the server it is restored into. */
  first: boolean;
}

/** A pg_dump archive: its stored size × an expansion factor, plus the server for the first archive. */
export function estimateLogicalRestore(a: LogicalArchiveFacts): RestoreEstimate {
  const compressed =
    a.compression === 'gzip' ||
    a.compression === 'zstd' ||
    a.encrypted ||
    (a.compression !== 'none' && /\.(gz|gzip|zst|zstd|enc)(\.|$)/i.test(a.key));
  const plain =
    a.format === 'plain' || a.format === 'tar' || ((a.format ?? 'auto') === 'auto' && /\.(sql|tar)(\.|$)/i.test(a.key));
  const factor = plain && !compressed ? PLAIN_FACTOR : COMPRESSED_FACTOR;
  const what = plain && !compressed ? 'uncompressed archive' : 'compressed archive';
  const server = a.first ? SERVER_BYTES : 0;
  return {
    bytes: a.size * factor + server,
    basis: `${formatBytes(a.size)} ${what} × ${factor}${server ? ` + ${formatBytes(server)} for the server` : ''}`,
  };
}

export interface PhysicalBackupFacts {
  /** Stored size of the backup. */
  size?: number;
  /** Size of the database files once restored, when the backup records it (pgBackRest). */
  databaseSize?: number;
  /** Whether `size` is of compressed files (a pgBackRest repository, a tar that may be gzipped). */
  compressed: boolean;
  /** Archived WAL segments from the backup's start on: what replay may bring into pg_wal. */
  walSegments: number;
}

/** A physical backup: the restored files, plus the WAL replay may hold, plus the server's own files. */
export function estimatePhysicalRestore(b: PhysicalBackupFacts): RestoreEstimate | undefined {
  const wal = Math.min(b.walSegments * WAL_SEGMENT_BYTES, MAX_WAL_BYTES);
  const walBasis = `${formatBytes(wal)} WAL (${b.walSegments} segments, at most ${formatBytes(MAX_WAL_BYTES)} held at once) + ${formatBytes(SERVER_BYTES)} for the server`;
  if (b.databaseSize !== undefined)
    return {
      bytes: b.databaseSize + wal + SERVER_BYTES,
      basis: `${formatBytes(b.databaseSize)} database + ${walBasis}`,
    };
  if (b.size === undefined) return undefined;
  const factor = b.compressed ? PHYSICAL_COMPRESSED_FACTOR : 1;
  return {
    bytes: b.size * factor + wal + SERVER_BYTES,
    basis: `${formatBytes(b.size)} stored${factor > 1 ? ` × ${factor}` : ''} + ${walBasis}`,
  };
}
