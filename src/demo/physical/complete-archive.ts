import { readdir, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { DrillError } from '../../errors.js';
import { parseSegmentKey, segmentName, segmentOfLsn } from '../../recovery/wal-segments.js';
import type { EmbeddedS3 } from '../embedded-s3.js';
import { listObjects } from './fixture-s3.js';

const SEGMENT_BYTES = 16 * 1024 * 1024;

export interface CompleteArchiveOptions {
  /** The archive directory archive_command writes. */
  dir: string;
  /** `''` for `cp %p`, `.gz` for `gzip -c %p > %f.gz`. */
  suffix: '' | '.gz';
  /** The base backup's WAL start (backup_manifest's WAL-Ranges Start-LSN). */
  fromLsn: string;
  timeline: number;
  /** The newest segment pg_stat_archiver reported archived. */
  last: string;
  /** @default 30000 */
  timeoutMs?: number;
}

/**
 * Wait until the archive directory holds every segment from the backup's start to `last`, whole: a drill
 * of a fixture whose archive is still being written replays less than the history says (a loaded machine
 * made that happen). Returns the file names, in order.
 */
export async function waitForCompleteArchive(options: CompleteArchiveOptions): Promise<string[]> {
  const from = segmentOfLsn(options.fromLsn);
  const to = parseSegmentKey(options.last)!.number;
  const wanted = Array.from(
    { length: to - from + 1 },
    (_, i) => `${segmentName(options.timeline, from + i)}${options.suffix}`,
  );
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let missing: string[] = wanted;
  for (;;) {
    const present = new Set(await readdir(options.dir));
    missing = [];
    for (const name of wanted) {
      const size = present.has(name) ? (await stat(join(options.dir, name))).size : -1;
      if (options.suffix === '' ? size !== SEGMENT_BYTES : size <= 0) missing.push(name);
    }
    if (missing.length === 0) return wanted;
    if (Date.now() >= deadline) break;
    await sleep(200);
  }
  throw new DrillError(
    'FIXTURE_WAL_NOT_ARCHIVED',
    `the fixture's WAL archive in ${options.dir} lacks ${missing.length} of ${wanted.length} segments after waiting: ${missing.slice(0, 5).join(', ')}`,
    {
      hint: 'archive_command failed or is slow; see the source server log',
    },
  );
}

/** The WAL start of a pg_basebackup, from its backup_manifest. */
export async function backupWalStart(backupDir: string): Promise<{ lsn: string; timeline: number }> {
  const manifest = JSON.parse(await readFile(join(backupDir, 'backup_manifest'), 'utf8')) as {
    'WAL-Ranges': Array<{ Timeline: number; 'Start-LSN': string }>;
  };
  const range = manifest['WAL-Ranges'][0]!;
  return { lsn: range['Start-LSN'], timeline: range.Timeline };
}

/** After an upload: every file is in the bucket under `prefix` with its local size. */
export async function verifyUploaded(
  s3: EmbeddedS3,
  bucket: string,
  prefix: string,
  dir: string,
  names: string[],
): Promise<void> {
  const stored = new Map((await listObjects(s3, bucket, prefix)).map((o) => [o.key, o.size]));
  for (const name of names) {
    const size = (await stat(join(dir, name))).size;
    if (stored.get(prefix + name) !== size)
      throw new DrillError(
        'FIXTURE_UPLOAD_INCOMPLETE',
        `${prefix}${name} is ${stored.get(prefix + name) ?? 'absent'} bytes in bucket ${bucket}, ${size} bytes on disk`,
        { hint: 'the embedded S3 server did not store the whole file' },
      );
  }
}
