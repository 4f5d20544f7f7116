import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.js';
import { formatSeconds } from '../util/duration.js';

/** @default 600 s: far above any pause of a healthy restore, far below the drill's 2 h timeout. */
export const DEFAULT_STALL_TIMEOUT_SECONDS = 600;

export interface StallWatchOptions {
  /** No progress for this long aborts `signal` with RESTORE_STALLED. */
  limitSeconds: number;
  /** Files of the restore (download, data directory, server log): any change to them is progress. */
  dir?: string;
  /** How often the limit and `dir` are checked. @default a quarter of the limit, between 0.25 and 15 s */
  pollMs?: number;
}

export interface StallWatch extends Disposable {
  /** Aborted with an EngineError RESTORE_STALLED when nothing moved for the limit. */
  readonly signal: AbortSignal;
  /**
   * Name the part of the step now running (`download`, `restore`, `replay`); starting one is progress.
   * `watched: false` for a part bounded by its own timeout (a server start), until the next phase.
   */
  phase(name: string, options?: { watched?: boolean }): void;
  /** Something moved: bytes read, a pg_restore item, a WAL segment. `what` is kept for the message. */
  beat(what: string): void;
  /** Also progress: `read` returning a new value (polled with the limit; an error counts as no change). */
  probe(what: string, read: () => Promise<string>): void;
  /** Not stalled while `fn` runs (waiting for another drill's disk space is not a stall). */
  exempt<T>(fn: () => Promise<T>): Promise<T>;
  stop(): void;
}

/**
 * Progress or fail (DESIGN.md, trust rule 6): a restore step that makes no progress for the stall limit
 * is stopped long before the drill's timeout, naming the phase and the last progress seen. Progress is
 * what the restore reports (bytes, items) and any change to the files under `dir`, which also covers the
 * work no tool reports: a long COPY or index build grows files, WAL replay logs each restored segment.
 */
export function createStallWatch(options: StallWatchOptions): StallWatch {
  const limitMs = options.limitSeconds * 1000;
  const controller = new AbortController();
  let phase = 'restore';
  let last = { what: 'the step started', at: Date.now() };
  let exempted = 0;
  let unwatchedPhase = false;
  let probing = false;
  const probes: Array<{ what: string; read: () => Promise<string>; last?: string }> = [];
  if (options.dir) {
    const dir = options.dir;
    probes.push({ what: 'files under the drill directory changed', read: () => describeFiles(dir) });
  }
  const beat = (what: string) => {
    last = { what, at: Date.now() };
  };
  const readProbes = async () => {
    for (const probe of probes) {
      const value = await probe.read().catch(() => probe.last);
      if (probe.last !== undefined && value !== probe.last) beat(`${probe.what} (${value})`);
      probe.last = value;
    }
  };
  const tick = () => {
    // Not awaited: a probe that hangs (a server that stopped answering) must not hold back the verdict.
    if (!probing) {
      probing = true;
      void readProbes()
        .catch(() => undefined)
        .finally(() => (probing = false));
    }
    if (controller.signal.aborted || exempted > 0 || unwatchedPhase) return;
    const idleMs = Date.now() - last.at;
    if (idleMs < limitMs) return;
    controller.abort(
      new EngineError(
        'RESTORE_STALLED',
        `the ${phase} made no progress for ${formatSeconds(idleMs / 1000)} (stall limit ${formatSeconds(options.limitSeconds)}); last progress: ${last.what}, ${formatSeconds(idleMs / 1000)} ago`,
        {
          hint: 'a tool that neither reads, writes nor reports anything is stuck (a truncated tar can make pg_restore spin, a store can stop sending); check the store and the backup, or raise `stallTimeout` if this step is legitimately silent this long',
        },
      ),
    );
  };
  const pollMs = options.pollMs ?? Math.min(15_000, Math.max(250, limitMs / 4));
  const timer = setInterval(tick, pollMs);
  timer.unref();
  const stop = () => clearInterval(timer);
  return {
    signal: controller.signal,
    phase(name, phaseOptions) {
      phase = name;
      unwatchedPhase = phaseOptions?.watched === false;
      beat(`the ${name} started`);
    },
    beat,
    probe(what, read) {
      probes.push({ what, read });
    },
    async exempt(fn) {
      exempted++;
      try {
        return await fn();
      } finally {
        exempted--;
        beat(`the ${phase} resumed`);
      }
    },
    stop,
    [Symbol.dispose]: stop,
  };
}

/** Count, total size and newest change of the files under `dir`: a value that changes when they do. */
async function describeFiles(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  let bytes = 0;
  let newest = 0;
  for (const name of names) {
    const stat = await lstat(join(dir, name)).catch(() => undefined);
    if (!stat || stat.isDirectory()) continue;
    bytes += stat.size;
    newest = Math.max(newest, stat.mtimeMs);
  }
  return `${names.length} files, ${bytes} bytes, newest change ${new Date(newest).toISOString()}`;
}
