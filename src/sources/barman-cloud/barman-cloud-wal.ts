/**
 * WAL of a barman-cloud archive fetched ahead by pgdrill's prefetcher (recovery/wal-prefetch.ts) instead of
 * one `barman-cloud-wal-restore` per segment: pgdrill finds each file where barman-cloud-wal-archive put it
 * (`<prefix>/<server>/wals/<timeline+log>/<segment>[.gz|.bz2|.snappy]`, history files in `wals/` itself),
 * picks among the stored candidates as barman-cloud-wal-restore 3.4 does, and reads plain and gzip files
 * itself. What it does not decode (bzip2, snappy, a `.partial` served for a segment) is fetched by
 * barman-cloud-wal-restore, run by pgdrill ahead of recovery all the same.
 */
import { rename, rm } from 'node:fs/promises';
import { CommandError, isDrillError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { fetchWalFile, type FetchWalFileInput } from '../../recovery/fetch-wal-file.js';
import { startWalPrefetch, type WalPrefetch } from '../../recovery/wal-prefetch.js';
import type { WalSegment } from '../../recovery/wal-segments.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { joinKey } from '../physical/physical-source.js';

export type BarmanCompression = 'none' | 'gzip' | 'bzip2' | 'snappy';

// barman.cloud.ALLOWED_COMPRESSIONS in barman 3.4.
const COMPRESSIONS: ReadonlyArray<[string, BarmanCompression]> = [
  ['.gz', 'gzip'],
  ['.bz2', 'bzip2'],
  ['.snappy', 'snappy'],
];
// barman.xlog's _xlog_re: a segment, a .partial, a .backup label or a history file.
const XLOG_FILE = /^[0-9A-Fa-f]{8}(?:[0-9A-Fa-f]{16}(?:\.[0-9A-Fa-f]{8}\.backup|\.partial)?|\.history)$/;
const BACKUP_FILE = /\.backup$/;

/** barman's hash_dir: the timeline+log directory of a segment, .partial or .backup file; '' for a history file. */
export function barmanWalDir(file: string): string {
  return /^[0-9A-Fa-f]{24}/.test(file) ? file.slice(0, 16).toUpperCase() : '';
}

/**
 * The object barman-cloud-wal-restore 3.4 would restore for `file`, from the keys stored under
 * `<dir>/<file>` (sorted): an exact match, unless a compressed or .partial candidate follows it; .backup
 * labels and names that are no WAL file are skipped.
 */
export function pickBarmanWalObject(
  file: string,
  dir: string,
  keys: readonly string[],
): { key: string; compression: BarmanCompression } | undefined {
  const walPath = dir ? `${dir}/${file}` : file;
  let picked: { key: string; compression: BarmanCompression } | undefined;
  for (const key of [...keys].sort()) {
    if (key === walPath) {
      picked = { key, compression: 'none' };
      continue;
    }
    if (!key.startsWith(walPath)) continue;
    const ext = COMPRESSIONS.find(([suffix]) => key.endsWith(suffix));
    const base = (ext ? key.slice(0, -ext[0].length) : key).slice(walPath.length - file.length);
    if (!XLOG_FILE.test(base) || BACKUP_FILE.test(base)) continue;
    return { key, compression: ext?.[1] ?? 'none' };
  }
  return picked;
}

export interface BarmanWalFallback {
  /** barman-cloud-wal-restore's arguments before %f %p: cloud options, source URL, server name. */
  args: string[];
  env: Record<string, string>;
}

/**
 * A fetcher for the prefetcher: the same contract as fetchWalFile (found, not archived, or a throw that
 * stops recovery with the reason), reading `walsPrefix` of `store` the way barman-cloud-wal-restore does.
 */
export function barmanWalFetcher(
  walsPrefix: string,
  fallback: BarmanWalFallback,
): (input: FetchWalFileInput) => Promise<{ found: false } | { found: true; segmentSize?: number }> {
  return async (input) => {
    const dir = joinKey(walsPrefix, barmanWalDir(input.file));
    const listed = await input.store.list(`${dir}/${input.file}`, { signal: input.signal });
    const picked = pickBarmanWalObject(
      input.file,
      dir,
      listed.map((o) => o.key),
    );
    if (!picked) return { found: false };
    // Plain or gzip under the file's own name: pgdrill reads it whole, checking every byte and the segment size.
    if (picked.key === `${dir}/${input.file}` || picked.key === `${dir}/${input.file}.gz`)
      return fetchWalFile({ ...input, prefix: dir }).catch((error: unknown) => {
        // zlib's words alone ("invalid distance too far back") do not say which object is damaged.
        throw isDrillError(error) || !(error instanceof Error) ? error : new Error(`${picked.key}: ${error.message}`);
      });
    return restoreWithBarman(input, fallback);
  };
}

// barman-cloud-wal-restore's exit 1 is "not archived"; anything else stops recovery with its own words.
async function restoreWithBarman(input: FetchWalFileInput, fallback: BarmanWalFallback): Promise<{ found: boolean }> {
  const temporary = input.partial ?? `${input.destination}.pgdrill-partial`;
  try {
    await runCommand('barman-cloud-wal-restore', [...fallback.args, input.file, temporary], {
      env: fallback.env,
      secrets: Object.values(fallback.env),
      signal: input.signal,
      timeoutMs: 600_000,
    });
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof CommandError && error.exitCode === 1) return { found: false };
    if (error instanceof CommandError)
      throw new Error(`barman-cloud-wal-restore ${input.file}: ${error.message}: ${error.stderrTail.join(' | ')}`);
    throw error;
  }
  await input.beforeRename?.(temporary);
  await rename(temporary, input.destination);
  return { found: true };
}

export interface BarmanWalPrefetchInput {
  store: ObjectStore;
  /** `<prefix>/<server>/wals` relative to the store's root. */
  walsPrefix: string;
  window: number;
  start?: WalSegment;
  fallback: BarmanWalFallback;
  spoolDir: string;
  runAs?: { uid: number; gid: number };
}

/** Start pgdrill's prefetcher on a barman-cloud archive; its restoreCommand needs no credentials. */
export function startBarmanWalPrefetch(input: BarmanWalPrefetchInput): Promise<WalPrefetch> {
  return startWalPrefetch({
    store: input.store,
    prefix: input.walsPrefix,
    spoolDir: input.spoolDir,
    runAs: input.runAs,
    window: input.window,
    start: input.start,
    fetchFile: barmanWalFetcher(input.walsPrefix, input.fallback),
  });
}
