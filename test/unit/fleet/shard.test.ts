import { describe, expect, it } from 'vitest';
import { isDrillError } from '../../../src/errors.js';
import { parseShard, selectShard, suitePosition } from '../../../src/fleet/shard.js';

describe('parseShard', () => {
  it('reads i/n with 1-based i', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard(' 4 / 4 ')).toEqual({ index: 4, count: 4 });
  });

  it.each(['0/2', '3/2', '1/0', '-1/2', '1', '1/2/3', 'a/b', '1.5/2', ''])(
    'refuses %j as a usage error naming the rule',
    (text) => {
      let thrown: unknown;
      try {
        parseShard(text);
      } catch (error) {
        thrown = error;
      }
      expect(isDrillError(thrown) && thrown.code).toBe('INVALID_SHARD');
      expect(isDrillError(thrown) && thrown.domain).toBe('config');
      expect((thrown as Error).message).toContain(
        `--shard ${JSON.stringify(text)} is not a shard: expected i/n with 1 <= i <= n`,
      );
    },
  );
});

describe('selectShard', () => {
  const drills = Array.from({ length: 10 }, (_, i) => `d${i}`);

  it('puts every drill in exactly one shard, balanced within one', () => {
    for (const count of [1, 2, 3, 4, 7, 10, 13]) {
      const shards = Array.from({ length: count }, (_, i) => selectShard(drills, { index: i + 1, count }));
      expect(shards.flat().sort()).toEqual([...drills].sort());
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('is round-robin in suite order, the same on every call', () => {
    expect(selectShard(drills, { index: 1, count: 3 })).toEqual(['d0', 'd3', 'd6', 'd9']);
    expect(selectShard(drills, { index: 2, count: 3 })).toEqual(['d1', 'd4', 'd7']);
    expect(selectShard(drills, { index: 3, count: 3 })).toEqual(selectShard([...drills], { index: 3, count: 3 }));
  });

  it('gives an empty shard when there are more shards than drills', () => {
    expect(selectShard(['a', 'b'], { index: 3, count: 5 })).toEqual([]);
  });

  it('suitePosition inverts the split', () => {
    const count = 4;
    for (let index = 1; index <= count; index++) {
      selectShard(drills, { index, count }).forEach((drill, position) =>
        expect(drills[suitePosition({ index, count }, position)]).toBe(drill),
      );
    }
  });
});
