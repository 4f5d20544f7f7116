import { ConfigError } from '../errors.js';

export interface RunPoolOptions {
  /** At most this many `run` calls at once. @default 1 */
  concurrency?: number;
  /** Once aborted, no further item starts; running ones see the same signal through their own options. */
  signal?: AbortSignal;
}

/**
 * Run `run` over `items` with bounded concurrency. Results come back in the order of `items`, whatever
 * order they finish in; items not started because of an abort are left out (as a serial loop would).
 */
export async function runPool<T, R>(
  items: readonly T[],
  options: RunPoolOptions,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limit = Math.max(1, Math.min(options.concurrency ?? 1, items.length));
  const results = new Map<number, R>();
  let next = 0;
  const worker = async () => {
    while (next < items.length && !options.signal?.aborted) {
      const index = next++;
      results.set(index, await run(items[index]!, index));
    }
  };
  // Every worker settles before an error propagates: no drill is left running behind a thrown one.
  const settled = await Promise.allSettled(Array.from({ length: limit }, worker));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return [...results.keys()].sort((a, b) => a - b).map((index) => results.get(index)!);
}

/** `--concurrency 3` → 3; anything but a whole number from 1 to 64 is a usage error (exit 2). */
export function parseConcurrency(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 64))
    throw new ConfigError(
      'INVALID_CONCURRENCY',
      `--concurrency ${JSON.stringify(text)} is not a number of drills: expected a whole number from 1 to 64`,
      {
        hint: 'each drill runs its own PostgreSQL server: start with the number of cores, e.g. --concurrency 2',
      },
    );
  return n;
}
