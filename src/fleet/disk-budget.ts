import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { EngineError } from '../errors.js';
import { formatBytes } from './byte-size.js';
import { readFreeBytes } from './free-space.js';
import type { RestoreEstimate } from './restore-estimate.js';

export interface DiskGuardOptions {
  /** Refuse restores that will not fit in the free space of the drills' temp dir. @default true */
  check?: boolean;
  /** Never reserve more than this many bytes at once for restores, however much is free. @default no limit */
  budgetBytes?: number;
  /** The directory whose file system holds the drills' files. @default os.tmpdir() */
  dir?: string;
}

/** One drill's share of the disk: grows with each estimate, released when the drill's files are gone. */
export interface DiskReservation extends Disposable {
  reserve(estimate: RestoreEstimate, what: string): Promise<void>;
  /** Time spent waiting for running drills to free space (not restore time). */
  readonly waitedMs: number;
}

export interface DiskBudget {
  forDrill(drill: string, options?: { signal?: AbortSignal; onWait?: (message: string) => void }): DiskReservation;
}

/**
 * The run's disk ledger. A restore may start when its estimate fits in the free space (statfs of the temp
 * dir) and the budget, minus what running drills reserved (counted whole, though they may have written part
 * of it: the guard errs on the side of refusing). A restore that would fit once the running drills end
 * waits for them; one that would not fit on an empty disk is refused with the numbers.
 */
export function createDiskBudget(
  options: DiskGuardOptions = {},
  readFree: (dir: string) => Promise<number> = readFreeBytes,
): DiskBudget {
  const dir = options.dir ?? tmpdir();
  const held = new Map<symbol, number>();
  let waiters: Array<() => void> = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  return {
    forDrill(drill, drillOptions = {}) {
      const id = Symbol(drill);
      const mine = () => held.get(id) ?? 0;
      let waitedMs = 0;
      return {
        get waitedMs() {
          return waitedMs;
        },
        async reserve(estimate, what) {
          if (options.check === false) return;
          for (;;) {
            const free = await readFree(dir);
            const others = [...held].filter(([key]) => key !== id);
            const othersBytes = others.reduce((sum, [, bytes]) => sum + bytes, 0);
            const limit = Math.min(free, options.budgetBytes ?? Infinity);
            const available = limit - othersBytes - mine();
            if (estimate.bytes <= available) {
              held.set(id, mine() + estimate.bytes);
              return;
            }
            // Only a drill holding nothing waits: holders always go on, so waiting never deadlocks.
            const fitsAlone = estimate.bytes <= limit;
            if (!fitsAlone || mine() > 0 || others.length === 0)
              throw refusal({
                estimate,
                what,
                dir,
                free,
                budget: options.budgetBytes,
                othersBytes,
                running: others.length,
                available,
              });
            drillOptions.onWait?.(
              `${drill} waits for disk space: ${what} needs about ${formatBytes(estimate.bytes)}, ${formatBytes(Math.max(0, available))} is available until a running drill ends`,
            );
            const started = performance.now();
            await waitFor(drillOptions.signal, (resolve) => waiters.push(resolve));
            waitedMs += performance.now() - started;
          }
        },
        [Symbol.dispose]() {
          if (held.delete(id)) wake();
        },
      };
    },
  };
}

function waitFor(signal: AbortSignal | undefined, register: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    register(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

interface RefusalFacts {
  estimate: RestoreEstimate;
  what: string;
  dir: string;
  free: number;
  budget?: number;
  othersBytes: number;
  running: number;
  available: number;
}

function refusal(f: RefusalFacts): EngineError {
  const limits = [`${formatBytes(f.free)} free in ${f.dir}`];
  if (f.budget !== undefined) limits.push(`disk budget ${formatBytes(f.budget)}`);
  if (f.running > 0)
    limits.push(`${formatBytes(f.othersBytes)} reserved by ${f.running} running drill${f.running === 1 ? '' : 's'}`);
  return new EngineError(
    'DISK_SPACE_INSUFFICIENT',
    `not restoring ${f.what}: it needs about ${formatBytes(f.estimate.bytes)} of disk and ${formatBytes(Math.max(0, f.available))} is available (${limits.join(', ')})`,
    {
      details: [`estimate: ${f.estimate.basis}`],
      hint: 'free space there or point TMPDIR at a larger disk, lower --concurrency, or raise --disk-budget; if the estimate is too pessimistic for this backup, --no-disk-check skips the check',
    },
  );
}
