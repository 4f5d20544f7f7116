import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { EmbeddedS3 } from '../embedded-s3.js';
import { listObjects } from './fixture-s3.js';

/** Where a fixture's archived WAL lives: a prefix of a bucket on the embedded S3, or a local directory. */
export type WalArchiveLocation = S3WalLocation | DirWalLocation;
export interface S3WalLocation {
  bucket: string;
  /** Bucket-relative, ending in `/`. */
  prefix: string;
}
export interface DirWalLocation {
  dir: string;
}

export interface ArchivedSegment {
  /** The 24-hex-digit segment name, e.g. `000000010000000000000005`. */
  segment: string;
  /** The S3 key (bucket-relative) or the absolute file path holding it. */
  key: string;
}

// A segment as each tool stores it: plain (cp, barman), `.gz` (gzip), `-<sha1>.gz` (pgBackRest).
// History files, `.backup` labels and `.partial` segments do not match.
const SEGMENT_FILE = /^([0-9A-F]{24})(-[0-9a-f]{40})?(\.(gz|bz2|lz4|zst|snappy))?$/;

/** The WAL segments in `location`, sorted by name, so a test can pick one to remove (a gap in the archive). */
export async function listArchivedWal(s3: EmbeddedS3, location: WalArchiveLocation): Promise<ArchivedSegment[]> {
  const keys =
    'dir' in location
      ? (await readdir(location.dir)).map((name) => join(location.dir, name))
      : await listKeys(s3, location);
  const found: ArchivedSegment[] = [];
  for (const key of keys) {
    const match = SEGMENT_FILE.exec(basename(key));
    if (match) found.push({ segment: match[1]!, key });
  }
  return found.sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
}

/** Remove one archived segment; returns what was removed (several keys only if a tool stored it twice). */
export async function deleteArchivedSegment(
  s3: EmbeddedS3,
  location: WalArchiveLocation,
  segment: string,
): Promise<string[]> {
  const victims = (await listArchivedWal(s3, location)).filter((s) => s.segment === segment).map((s) => s.key);
  for (const key of victims) {
    if ('dir' in location) await rm(key);
    else await s3.deleteObject(location.bucket, key);
  }
  return victims;
}

async function listKeys(s3: EmbeddedS3, { bucket, prefix }: { bucket: string; prefix: string }): Promise<string[]> {
  return (await listObjects(s3, bucket, prefix)).map((o) => o.key);
}

/** The name of the 16 MB segment holding byte `lsn` (e.g. `0/50B0000`) on `timeline`. */
export function walSegmentOf(lsn: string, timeline = 1): string {
  const [hi, lo] = lsn.split('/').map((part) => parseInt(part, 16));
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(hi!) + hex(Math.floor(lo! / 0x1000000));
}
