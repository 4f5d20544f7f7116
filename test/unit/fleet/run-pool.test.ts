import { describe, expect, it } from 'vitest';
import { parseConcurrency, runPool } from '../../../src/fleet/run-pool.js';

/** A task that finishes only when the test says so: order of completion is controlled, not timed. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('runPool', () => {
  it('keeps at most `concurrency` running and returns results in input order whatever the finishing order', async () => {
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const pool = runPool([0, 1, 2], { concurrency: 2 }, async (item) => {
      started.push(item);
      most = Math.max(most, ++running);
      await gates[item]!.opened;
      running--;
      return `r${item}`;
    });
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]!.open(); // the second finishes first; the third starts in its place
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    gates[2]!.open();
    gates[0]!.open();
    expect(await pool).toEqual(['r0', 'r1', 'r2']);
    expect(most).toBe(2);
  });

  it('starts nothing more once aborted and leaves out what never started', async () => {
    const controller = new AbortController();
    const result = await runPool([0, 1, 2, 3], { concurrency: 2, signal: controller.signal }, async (item) => {
      if (item === 1) controller.abort();
      return item;
    });
    expect(result).toEqual([0, 1]);
  });

  it('lets every running task settle before an error propagates', async () => {
    const finished: number[] = [];
    const slow = gate();
    const pool = runPool([0, 1], { concurrency: 2 }, async (item) => {
      if (item === 0) throw new Error('boom');
      await slow.opened;
      finished.push(item);
      return item;
    });
    let settled = false;
    void pool.catch(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    slow.open();
    await expect(pool).rejects.toThrow('boom');
    expect(finished).toEqual([1]);
  });
});

describe('parseConcurrency', () => {
  it('accepts whole numbers from 1 to 64', () => {
    expect(parseConcurrency('1')).toBe(1);
    expect(parseConcurrency('64')).toBe(64);
  });
  it.each(['0', '65', '-1', '2.5', 'two', ''])('refuses %j with INVALID_CONCURRENCY', (text) => {
    expect(() => parseConcurrency(text)).toThrow(/is not a number of drills: expected a whole number from 1 to 64/);
  });
});
