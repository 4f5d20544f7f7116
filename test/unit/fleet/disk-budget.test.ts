import { describe, expect, it } from 'vitest';
import { createDiskBudget } from '../../../src/fleet/disk-budget.js';
import { formatBytes, parseByteSize } from '../../../src/fleet/byte-size.js';
import { readFreeBytes } from '../../../src/fleet/free-space.js';
import { tmpdir } from 'node:os';

const MiB = 2 ** 20;
const est = (mib: number) => ({ bytes: mib * MiB, basis: `${mib} MiB by test` });
// The free-space reading is the fake here (pure ledger logic); the real statfs is tested below.
const freeOf = (mib: number) => async () => mib * MiB;

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: string[]; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; details: string[]; hint?: string };
  }
  throw new Error('expected a refusal');
}

describe('disk budget', () => {
  it('admits a restore that fits and refuses one that does not, with the numbers and what to do', async () => {
    const budget = createDiskBudget({ dir: '/drills' }, freeOf(100));
    using fits = budget.forDrill('a');
    await fits.reserve(est(90), 'archive a.dump');
    using big = budget.forDrill('b');
    const error = await refusal(big.reserve(est(150), 'archive b.dump'));
    expect(error.code).toBe('DISK_SPACE_INSUFFICIENT');
    expect(error.message).toBe(
      'not restoring archive b.dump: it needs about 150.0 MiB of disk and 10.0 MiB is available (100.0 MiB free in /drills, 90.0 MiB reserved by 1 running drill)',
    );
    expect(error.details).toEqual(['estimate: 150 MiB by test']);
    expect(error.hint).toMatch(/lower --concurrency, or raise --disk-budget.*--no-disk-check/);
  });

  it("counts a drill's earlier reservations (several archives) and the budget cap", async () => {
    const budget = createDiskBudget({ dir: '/drills', budgetBytes: 50 * MiB }, freeOf(1000));
    using drill = budget.forDrill('parts');
    await drill.reserve(est(30), 'schema part');
    const error = await refusal(drill.reserve(est(30), 'data part'));
    expect(error.message).toBe(
      'not restoring data part: it needs about 30.0 MiB of disk and 20.0 MiB is available (1000.0 MiB free in /drills, disk budget 50.0 MiB)',
    );
  });

  it('a restore that would fit once running drills end waits for them instead of failing, and the wait is measured', async () => {
    const budget = createDiskBudget({ dir: '/drills' }, freeOf(100));
    const first = budget.forDrill('first');
    await first.reserve(est(80), 'first archive');
    const waits: string[] = [];
    using second = budget.forDrill('second', { onWait: (m) => waits.push(m) });
    let admitted = false;
    const pending = second.reserve(est(60), 'second archive').then(() => (admitted = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toBe(false);
    expect(waits).toEqual([
      'second waits for disk space: second archive needs about 60.0 MiB, 20.0 MiB is available until a running drill ends',
    ]);
    first[Symbol.dispose]();
    await pending;
    expect(admitted).toBe(true);
    expect(second.waitedMs).toBeGreaterThanOrEqual(0);
  });

  it('a waiting drill is cancelled with its signal', async () => {
    const budget = createDiskBudget({}, freeOf(100));
    using holder = budget.forDrill('holder');
    await holder.reserve(est(80), 'x');
    const controller = new AbortController();
    using waiter = budget.forDrill('waiter', { signal: controller.signal });
    const pending = waiter.reserve(est(60), 'y');
    controller.abort(new Error('SIGINT received'));
    await expect(pending).rejects.toThrow('SIGINT received');
  });

  it('a drill that already holds space never waits (no deadlock between two half-reserved drills)', async () => {
    const budget = createDiskBudget({ dir: '/d' }, freeOf(100));
    using a = budget.forDrill('a');
    using b = budget.forDrill('b');
    await a.reserve(est(40), 'a1');
    await b.reserve(est(40), 'b1');
    const error = await refusal(a.reserve(est(30), 'a2'));
    expect(error.code).toBe('DISK_SPACE_INSUFFICIENT');
  });

  it('check: false admits everything', async () => {
    using drill = createDiskBudget({ check: false }, freeOf(0)).forDrill('x');
    await expect(drill.reserve(est(10_000), 'huge')).resolves.toBeUndefined();
  });

  it('reads the real free space of the temp dir', async () => {
    const free = await readFreeBytes(tmpdir());
    expect(free).toBeGreaterThan(0);
    expect(Number.isSafeInteger(free)).toBe(true);
  });
});

describe('sizes', () => {
  it('parses units and refuses nonsense', () => {
    expect(parseByteSize('20GiB')).toBe(20 * 2 ** 30);
    expect(parseByteSize('500 MB')).toBe(500e6);
    expect(parseByteSize('1.5k')).toBe(1500);
    expect(parseByteSize('4096')).toBe(4096);
    expect(() => parseByteSize('lots')).toThrow(/"lots" is not a size/);
    expect(() => parseByteSize('5 parsecs')).toThrow(/is not a size/);
  });
  it('formats bytes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });
});
