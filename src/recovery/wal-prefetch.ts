/**
 * The WAL prefetcher of a drill: one fetcher in the pgdrill process per restored server. It downloads the
 * next `window` segments after the one recovery last asked for, in parallel, into a private spool; the
 * server's restore_command (wal-prefetch-script.ts) moves a spooled segment into place or asks for any
 * other file (history files, .partial, a segment out of order) by dropping a `.want` file the fetcher
 * watches. No node start and no SDK load per segment, and at most `window` segments on disk at once. A
 * window of 0 (`wal.prefetch: 0`) predicts nothing: each file is fetched when recovery asks for it, still in
 * pgdrill's process, so an archive only pgdrill may read (another uid's 0600 files) replays all the same.
 */
import { watch, type FSWatcher } from 'node:fs';
import { access, chmod, chown, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDrillError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { shellQuote } from '../util/shell-quote.js';
import { DEFAULT_WAL_SEGMENT_SIZE } from './fetch-wal-config.js';
import { fetchWalFile, SEGMENT_FILE_NAME } from './fetch-wal-file.js';
import { RESTORE_SCRIPT_NAME, renderRestoreScript, SPOOL_SUFFIX } from './wal-prefetch-script.js';
import { parseSegmentKey, segmentName, type WalSegment } from './wal-segments.js';

export const DEFAULT_WAL_PREFETCH_WINDOW = 8;

// A file restore_command may ask for: a segment, a history file, a .partial or a .backup file.
const WAL_NAME = /^[0-9A-F]{8,24}(\.history|\.partial|\.[0-9A-F]{8}\.backup)?$/;
// How often the spool is re-read when no file event came (a missed event must not stall recovery).
const RESCAN_MS = 500;

export interface WalPrefetchInput {
  store: ObjectStore;
  prefix: string;
  /** Created here (0700, owned by runAs); removed by close(). */
  spoolDir: string;
  runAs?: { uid: number; gid: number };
  /** Segments held (downloading or spooled) at most; 0: none ahead, each file fetched only when asked for. @default 8 */
  window?: number;
  walSegmentSize?: number;
  /** Where to start before recovery asks (the backup's first segment). */
  start?: WalSegment;
  /** How one file is fetched (an archive laid out otherwise, e.g. barman-cloud's). @default fetchWalFile */
  fetchFile?: typeof fetchWalFile;
}

export interface WalPrefetch {
  /** The restore_command for the server (%f, %p as PostgreSQL expands them; no secrets). */
  restoreCommand: string;
  spoolDir: string;
  /** Stop fetching, wait for downloads to end and remove the spool; idempotent. */
  close(): Promise<void>;
}

interface Entry {
  state: 'fetching' | 'ready';
  segment?: WalSegment;
  abort: AbortController;
}

export async function startWalPrefetch(input: WalPrefetchInput): Promise<WalPrefetch> {
  const window = Math.max(0, input.window ?? DEFAULT_WAL_PREFETCH_WINDOW);
  const spool = input.spoolDir;
  await mkdir(spool, { recursive: true, mode: 0o700 });
  await chmod(spool, 0o700);
  await own(spool, input.runAs);
  const script = join(spool, RESTORE_SCRIPT_NAME);
  await writeFile(script, renderRestoreScript(), { mode: 0o500 });
  await chmod(script, 0o500);
  await own(script, input.runAs);

  const entries = new Map<string, Entry>();
  const failures = new Map<string, string>();
  // Predictions the archive did not hold (yet) or that failed: not fetched again until recovery asks for them.
  const absent = new Set<string>();
  // Segments restore_command took: fetched again only when asked for again.
  const taken = new Set<string>();
  const running = new Set<Promise<void>>();
  let anchor = input.start;
  let segmentSize = input.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  let closed = false;
  let busy = false;
  let again = false;

  const answer = async (name: string, suffix: string, text = ''): Promise<void> => {
    const temporary = join(spool, `.${name}${suffix}`);
    await writeFile(temporary, text, { mode: 0o600 });
    await own(temporary, input.runAs);
    await rename(temporary, join(spool, `${name}${suffix}`));
  };

  const fetch = (name: string, segment: WalSegment | undefined): void => {
    const entry: Entry = { state: 'fetching', segment, abort: new AbortController() };
    entries.set(name, entry);
    const notes: string[] = [];
    const task = (async () => {
      let outcome: 'ready' | 'missing' | 'failed';
      let reason = '';
      try {
        const result = await (input.fetchFile ?? fetchWalFile)({
          store: input.store,
          prefix: input.prefix,
          file: name,
          destination: join(spool, name),
          partial: join(spool, `.${name}.part`),
          walSegmentSize: input.walSegmentSize,
          signal: entry.abort.signal,
          onResume: (line) => notes.push(line),
          beforeRename: async (path) => {
            if (notes.length > 0) await answer(name, SPOOL_SUFFIX.note, notes.map((l) => `${l}\n`).join(''));
            await own(path, input.runAs);
          },
        });
        if (result.found && result.segmentSize) segmentSize = result.segmentSize;
        outcome = result.found ? 'ready' : 'missing';
      } catch (error) {
        outcome = 'failed';
        reason = isDrillError(error)
          ? `${error.code}: ${error.message}`
          : error instanceof Error
            ? error.message
            : String(error);
      }
      if (entry.abort.signal.aborted || closed) {
        forget(name, entry);
        await rm(join(spool, name), { force: true });
        return;
      }
      if (outcome === 'ready') entry.state = 'ready';
      else {
        const text = outcome === 'failed' ? `pgdrill fetch-wal: ${reason}\n` : '';
        if (outcome === 'missing') absent.add(name);
        if (outcome === 'failed') failures.set(name, text);
        // A prediction that failed says so only when recovery asks for that file. The entry stays until the
        // answer is written: a request seen in between must not start a second fetch of the same file.
        if (await exists(join(spool, `${name}${SPOOL_SUFFIX.want}`)))
          await answer(name, outcome === 'missing' ? SPOOL_SUFFIX.missing : SPOOL_SUFFIX.failed, text);
        forget(name, entry);
      }
    })()
      .catch(() => {
        forget(name, entry);
      })
      .finally(() => {
        running.delete(task);
        schedule();
      });
    running.add(task);
  };

  // Only the fetch that made an entry removes it: a newer fetch of the same name keeps its own.
  const forget = (name: string, entry: Entry): void => {
    if (entries.get(name) === entry) entries.delete(name);
  };

  const reconcile = async (): Promise<void> => {
    // Only files spooled before the read can be missing from it because they were taken: a download that
    // finishes while the spool is read may be listed or not, and must not count as taken (that would move
    // the window past a segment recovery has yet to ask for, and drop it).
    const readyBefore = new Set([...entries].filter(([, e]) => e.state === 'ready').map(([name]) => name));
    const names = await readdir(spool).catch(() => undefined);
    if (!names) return;
    const present = new Set(names);
    // Spooled files restore_command has moved away free their place in the window.
    // A spooled segment taken may have been asked for and taken between two reads of the spool: it moves
    // the window on just as its request would have.
    const justTaken = new Set<string>();
    for (const [name, entry] of entries) {
      if (entry.state !== 'ready' || !readyBefore.has(name) || present.has(name)) continue;
      entries.delete(name);
      taken.add(name);
      justTaken.add(name);
      if (
        entry.segment &&
        (!anchor || entry.segment.timeline !== anchor.timeline || entry.segment.number > anchor.number)
      )
        anchor = entry.segment;
    }
    // readdir is no snapshot: a request answered while the spool was read may show its `.want` without its
    // file. Only requests still there after the read count; their files, if spooled, were listed.
    const wanted: string[] = [];
    for (const n of names.filter((n) => n.endsWith(SPOOL_SUFFIX.want)))
      if (await exists(join(spool, n))) wanted.push(n.slice(0, -SPOOL_SUFFIX.want.length));
    for (const name of wanted) {
      const segment = SEGMENT_FILE_NAME.test(name) ? parseSegmentKey(name, segmentSize) : undefined;
      if (segment) anchor = segment;
    }
    const ahead = new Set<string>();
    if (anchor)
      for (let i = 0; i < window; i++) ahead.add(segmentName(anchor.timeline, anchor.number + i, segmentSize));
    // Predictions recovery went past or away from (another timeline) make room for the new ones.
    for (const [name, entry] of entries) {
      if (!entry.segment || ahead.has(name) || wanted.includes(name)) continue;
      entries.delete(name);
      entry.abort.abort();
      if (entry.state === 'ready') await rm(join(spool, name), { force: true });
    }
    for (const name of wanted) {
      // A file just taken still shows its request until restore_command removes it: not a new request.
      if (justTaken.has(name)) continue;
      if (
        entries.has(name) ||
        present.has(name) ||
        present.has(`${name}${SPOOL_SUFFIX.missing}`) ||
        present.has(`${name}${SPOOL_SUFFIX.failed}`)
      )
        continue;
      if (!WAL_NAME.test(name)) {
        failures.set(name, `pgdrill fetch-wal: refusing WAL file name '${name}'\n`);
        await answer(name, SPOOL_SUFFIX.failed, failures.get(name));
      } else {
        // Asked for: fetched afresh, as fetch-wal did, whatever a prediction of it met before.
        absent.delete(name);
        failures.delete(name);
        taken.delete(name);
        fetch(name, SEGMENT_FILE_NAME.test(name) ? parseSegmentKey(name, segmentSize) : undefined);
      }
    }
    let held = [...entries.values()].filter((e) => e.segment).length;
    for (const name of ahead) {
      if (held >= window) break;
      if (entries.has(name) || present.has(name) || failures.has(name) || absent.has(name) || taken.has(name)) continue;
      fetch(name, parseSegmentKey(name, segmentSize));
      held++;
    }
  };

  // One reconcile at a time; events during one run it once more afterwards.
  const schedule = (): void => {
    if (closed) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void (async () => {
      do {
        again = false;
        await reconcile().catch(() => undefined);
      } while (again && !closed);
      busy = false;
    })();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(spool, () => schedule());
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }
  const rescan = setInterval(schedule, RESCAN_MS);
  rescan.unref();
  schedule();

  let closing: Promise<void> | undefined;
  return {
    // Only the script's 0 and 1 keep their meaning: a script that cannot run (the spool removed) or dies
    // by a signal must stop recovery (above 125), never pass for "not archived".
    restoreCommand: `sh ${q(script)} ${q(spool)} "%f" "%p" || { [ $? = 1 ] && exit 1; exit 128; }`,
    spoolDir: spool,
    close: () =>
      (closing ??= (async () => {
        closed = true;
        clearInterval(rescan);
        watcher?.close();
        for (const entry of entries.values()) entry.abort.abort();
        while (running.size > 0) await Promise.allSettled([...running]);
        await rm(spool, { recursive: true, force: true });
      })()),
  };
}

// PostgreSQL expands % in restore_command: a literal one in a path is written %%.
function q(path: string): string {
  return shellQuote(path).replace(/%/g, '%%');
}

async function own(path: string, runAs: { uid: number; gid: number } | undefined): Promise<void> {
  if (runAs) await chown(path, runAs.uid, runAs.gid);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
