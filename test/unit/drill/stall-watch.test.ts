import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createStallWatch } from '../../../src/drill/stall-watch.js';
import { isDrillError } from '../../../src/errors.js';

// The stall watch's rules on a fake clock: what counts as progress, what is exempt, what the error says.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const reasonOf = (signal: AbortSignal) => {
  const reason: unknown = signal.reason;
  return isDrillError(reason) ? { code: reason.code, message: reason.message, domain: reason.domain } : reason;
};

describe('stall watch', () => {
  test('no progress for the limit aborts with RESTORE_STALLED (exit 3 domain), naming the phase and the last progress', async () => {
    using watch = createStallWatch({ limitSeconds: 10, pollMs: 1000 });
    watch.phase('restore');
    watch.beat('pg_restore: processing item 7');
    await vi.advanceTimersByTimeAsync(9000);
    expect(watch.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(watch.signal.aborted).toBe(true);
    expect(reasonOf(watch.signal)).toEqual({
      code: 'RESTORE_STALLED',
      domain: 'engine',
      message: expect.stringMatching(
        /^the restore made no progress for 1\d\.0 s \(stall limit 10\.0 s\); last progress: pg_restore: processing item 7, 1\d\.0 s ago$/,
      ),
    });
  });

  test('steady beats keep a long step alive', async () => {
    using watch = createStallWatch({ limitSeconds: 10, pollMs: 1000 });
    for (let i = 0; i < 60; i++) {
      await vi.advanceTimersByTimeAsync(5000);
      watch.beat(`${i} MiB read`);
    }
    expect(watch.signal.aborted).toBe(false);
  });

  test('a probe whose value changes is progress; one that stays the same is not', async () => {
    let value = 0;
    using watch = createStallWatch({ limitSeconds: 10, pollMs: 1000 });
    watch.probe('the server wrote WAL', async () => String(value));
    for (let i = 0; i < 30; i++) {
      value++;
      await vi.advanceTimersByTimeAsync(2000);
    }
    expect(watch.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(watch.signal.aborted).toBe(true);
    expect(String((watch.signal.reason as Error).message)).toMatch(/last progress: the server wrote WAL \(30\)/);
  });

  test('a probe that never answers does not hold back the verdict', async () => {
    using watch = createStallWatch({ limitSeconds: 10, pollMs: 1000 });
    watch.probe('hangs', () => new Promise<string>(() => undefined));
    await vi.advanceTimersByTimeAsync(12_000);
    expect(watch.signal.aborted).toBe(true);
  });

  test('waiting for disk space and an unwatched phase (a server start) are not stalls; the clock restarts after them', async () => {
    using watch = createStallWatch({ limitSeconds: 10, pollMs: 1000 });
    let release!: () => void;
    const waiting = watch.exempt(() => new Promise<void>((r) => (release = r)));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(watch.signal.aborted).toBe(false);
    release();
    await waiting;
    watch.phase('server start', { watched: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(watch.signal.aborted).toBe(false);
    watch.phase('restore');
    await vi.advanceTimersByTimeAsync(9000);
    expect(watch.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(String((watch.signal.reason as Error).message)).toMatch(
      /^the restore made no progress .* last progress: the restore started/,
    );
  });

  test('once stopped, it never aborts', async () => {
    const watch = createStallWatch({ limitSeconds: 1, pollMs: 100 });
    watch.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(watch.signal.aborted).toBe(false);
  });
});
