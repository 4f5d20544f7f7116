import { describe, expect, it } from 'vitest';
import type { DrillError } from '../../../src/errors.js';
import { mergeRunResults } from '../../../src/fleet/merge-results.js';
import { parseRunResult } from '../../../src/fleet/read-run-result.js';
import { selectShard } from '../../../src/fleet/shard.js';
import type { DrillResult, RunResult } from '../../../src/results.js';

function drill(name: string, status: DrillResult['status'] = 'passed', exitCode?: number): DrillResult {
  return {
    name,
    status,
    startedAt: '2026-11-20T03:00:00.000Z',
    finishedAt: '2026-11-20T03:01:00.000Z',
    durationMs: 60_000,
    steps: [],
    checks: [],
    ...(status === 'passed' ? {} : { error: { code: 'X', message: 'x', exitCode: exitCode ?? 1 } }),
  };
}

function run(drills: DrillResult[], extra: Partial<RunResult> = {}): RunResult {
  return {
    suite: { name: 'nightly', files: ['/suites/nightly.yaml'] },
    startedAt: '2026-11-20T03:00:00.000Z',
    finishedAt: '2026-11-20T03:05:00.000Z',
    durationMs: 300_000,
    drills,
    exitCode: 0,
    ...extra,
  };
}

function refusal(fn: () => unknown): DrillError {
  try {
    fn();
  } catch (error) {
    return error as DrillError;
  }
  throw new Error('expected a refusal');
}

const all = ['a', 'b', 'c', 'd', 'e'].map((n) => drill(n));

describe('mergeRunResults', () => {
  it('puts the drills of every shard back in suite order, with the earliest start and the latest end', () => {
    const shards = [1, 2, 3].map((index) =>
      run(selectShard(all, { index, count: 3 }), {
        shard: { index, count: 3 },
        startedAt: `2026-11-20T03:0${index}:00.000Z`,
        finishedAt: `2026-11-20T04:0${4 - index}:00.000Z`,
      }),
    );
    const merged = mergeRunResults([shards[2]!, shards[0]!, shards[1]!]);
    expect(merged.drills.map((d) => d.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(merged.startedAt).toBe('2026-11-20T03:01:00.000Z');
    expect(merged.finishedAt).toBe('2026-11-20T04:03:00.000Z');
    expect(merged.durationMs).toBe(62 * 60_000);
    expect(merged.shard).toBeUndefined();
    expect(merged.exitCode).toBe(0);
  });

  it('exits with the most severe code of any shard', () => {
    const merge = (...codes: Array<[DrillResult['status'], number | undefined]>) =>
      mergeRunResults(
        codes.map(([status, code], i) =>
          run([drill(`d${i}`, status, code)], { shard: { index: i + 1, count: codes.length } }),
        ),
      ).exitCode;
    expect(merge(['passed', undefined], ['failed', 1])).toBe(1);
    expect(merge(['failed', 1], ['error', 3])).toBe(3);
    expect(merge(['error', 3], ['error', 70], ['failed', 1])).toBe(70);
    expect(merge(['passed', undefined], ['passed', undefined])).toBe(0);
    // A shard's own exit code counts even when no drill says so (a cancelled run).
    expect(
      mergeRunResults([
        run([drill('a')], { shard: { index: 1, count: 2 } }),
        run([], { shard: { index: 2, count: 2 }, exitCode: 130 }),
      ]).exitCode,
    ).toBe(130);
  });

  it('accepts an empty shard', () => {
    const merged = mergeRunResults([
      run(all, { shard: { index: 1, count: 2 } }),
      run([], { shard: { index: 2, count: 2 } }),
    ]);
    expect(merged.drills).toHaveLength(5);
  });

  it('refuses results of different suites, naming each', () => {
    const error = refusal(() =>
      mergeRunResults(
        [run([drill('a')]), run([drill('b')], { suite: { name: 'weekly', files: [] } })],
        ['n.json', 'w.json'],
      ),
    );
    expect(error.code).toBe('MIXED_SUITES');
    expect(error.domain).toBe('config');
    expect(error.details).toEqual(['n.json: suite "nightly"', 'w.json: suite "weekly"']);
  });

  it('refuses a drill that is in two results (overlapping shards)', () => {
    const error = refusal(() =>
      mergeRunResults([run([drill('a'), drill('b')]), run([drill('b'), drill('c')])], ['1.json', '2.json']),
    );
    expect(error.code).toBe('OVERLAPPING_RESULTS');
    expect(error.message).toBe('1 drill appears in more than one result: the shards overlap');
    expect(error.details).toEqual(['drill b is in 1.json and in 2.json']);
  });

  it('refuses shards of different splits, a shard given twice, and missing shards', () => {
    expect(
      refusal(() =>
        mergeRunResults([
          run([drill('a')], { shard: { index: 1, count: 2 } }),
          run([drill('b')], { shard: { index: 2, count: 3 } }),
        ]),
      ).code,
    ).toBe('MIXED_SHARDING');
    expect(
      refusal(() => mergeRunResults([run([drill('a')], { shard: { index: 1, count: 2 } }), run([drill('b')])])).code,
    ).toBe('MIXED_SHARDING');
    expect(
      refusal(() =>
        mergeRunResults([run([], { shard: { index: 2, count: 3 } }), run([], { shard: { index: 2, count: 3 } })]),
      ).code,
    ).toBe('SHARD_GIVEN_TWICE');
    const missing = refusal(() => mergeRunResults([run([drill('a')], { shard: { index: 1, count: 3 } })], ['s1.json']));
    expect(missing.code).toBe('SHARDS_MISSING');
    expect(missing.message).toBe('2 of 3 shards have no result: 2/3, 3/3');
  });

  it('refuses nothing at all', () => {
    expect(refusal(() => mergeRunResults([])).code).toBe('NOTHING_TO_MERGE');
  });
});

describe('parseRunResult', () => {
  it('takes the RunResult fields of a wrapper (a versioned report) and keeps every drill field', () => {
    const wrapped = {
      reportVersion: 2,
      generator: 'pgdrill',
      ...run([{ ...drill('a'), extra: 'kept' } as DrillResult], { shard: { index: 1, count: 1 } }),
    };
    const parsed = parseRunResult(JSON.parse(JSON.stringify(wrapped)), 'r.json');
    expect(parsed).not.toHaveProperty('reportVersion');
    expect(parsed.shard).toEqual({ index: 1, count: 1 });
    expect(parsed.drills[0]).toHaveProperty('extra', 'kept');
  });

  it('lists what is wrong with something that is not a run result', () => {
    const error = refusal(() => parseRunResult({ suite: { name: 'x' }, drills: [{ name: 1 }] }, 'junk.json'));
    expect(error.code).toBe('RESULT_INVALID');
    expect(error.message).toMatch(/^junk\.json is not a pgdrill run result \(\d+ problems\)$/);
    expect(error.details).toContain('suite.files: Invalid input: expected array, received undefined');
    expect(error.details.some((d) => d.startsWith('drills.0.name:'))).toBe(true);
  });
});
