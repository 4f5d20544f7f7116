import { describe, expect, it } from 'vitest';
import { median, runPairs, summarize, type Sample } from '../../../src/bench/pairs.js';

describe('runPairs', () => {
  it('runs the sides in interleaved order, one at a time, and reports each sample as it is measured', async () => {
    const order: string[] = [];
    let running = 0;
    const side = (name: string, seconds: number) => async (pair: number) => {
      expect(running).toBe(0);
      running++;
      order.push(`${name}${pair}`);
      await Promise.resolve();
      running--;
      return seconds + pair;
    };
    const seen: Sample[] = [];
    const { samples, failures } = await runPairs(
      2,
      { raw: side('raw', 10), pgdrill: side('pgdrill', 11) },
      { onSample: (s) => seen.push(s) },
    );
    expect(order).toEqual(['raw0', 'pgdrill0', 'raw1', 'pgdrill1']);
    expect(samples).toEqual([
      { side: 'raw', pair: 0, seconds: 10 },
      { side: 'pgdrill', pair: 0, seconds: 11 },
      { side: 'raw', pair: 1, seconds: 11 },
      { side: 'pgdrill', pair: 1, seconds: 12 },
    ]);
    expect(seen).toEqual(samples);
    expect(failures).toEqual([]);
  });

  it('runs a pair with a failed run again from its raw side, drops its samples and reports the failure', async () => {
    const order: string[] = [];
    let pgdrillRuns = 0;
    const { samples, failures } = await runPairs(
      2,
      {
        raw: async (pair) => (order.push(`raw${pair}`), 10),
        pgdrill: async (pair) => {
          order.push(`pgdrill${pair}`);
          if (++pgdrillRuns === 2) throw new Error('restore failed');
          return 12;
        },
      },
      { maxFailures: 1 },
    );
    expect(order).toEqual(['raw0', 'pgdrill0', 'raw1', 'pgdrill1', 'raw1', 'pgdrill1']);
    expect(samples.map((s) => `${s.side}${s.pair}`)).toEqual(['raw0', 'pgdrill0', 'raw1', 'pgdrill1']);
    expect(failures).toEqual([{ side: 'pgdrill', pair: 1, error: new Error('restore failed') }]);
  });

  it('throws the failure once more runs failed than allowed', async () => {
    const failing = async () => {
      throw new Error('no server');
    };
    await expect(runPairs(3, { raw: failing, pgdrill: async () => 1 }, { maxFailures: 1 })).rejects.toThrow(
      'no server',
    );
  });
});

describe('median', () => {
  it('is the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow('median of no values');
  });
});

describe('summarize', () => {
  const samples = (pairs: Array<[number, number]>): Sample[] =>
    pairs.flatMap(([raw, pgdrill], pair) => [
      { side: 'raw' as const, pair, seconds: raw },
      { side: 'pgdrill' as const, pair, seconds: pgdrill },
    ]);

  it('gives min and median per side and the median of the per-pair ratios', () => {
    const s = summarize(
      samples([
        [10, 11],
        [20, 21],
        [10, 15],
      ]),
    );
    expect(s.raw).toEqual({ min: 10, median: 10, runs: 3 });
    expect(s.pgdrill).toEqual({ min: 11, median: 15, runs: 3 });
    // Ratios 1.1, 1.05, 1.5: the median is 1.1, while median(pgdrill)/median(raw) is 1.5.
    expect(s.medianRatio).toBeCloseTo(1.1, 10);
    expect(s.ratioOfMedians).toBeCloseTo(1.5, 10);
  });

  it('pairs a pgdrill run only with the raw run of its own pair', () => {
    const s = summarize([
      { side: 'raw', pair: 0, seconds: 10 },
      { side: 'pgdrill', pair: 0, seconds: 12 },
      { side: 'raw', pair: 1, seconds: 100 },
    ]);
    expect(s.medianRatio).toBeCloseTo(1.2, 10);
    expect(s.raw.runs).toBe(2);
  });

  it('refuses a comparison with no run of one side', () => {
    expect(() => summarize([{ side: 'raw', pair: 0, seconds: 1 }])).toThrow('no pgdrill samples');
  });
});
