import { describe, expect, test } from 'vitest';
import { findCheck } from '../../../src/checks/index.js';
import { stableCheckName } from '../../../src/report/junit-reporter.js';

// The JUnit testcase name of a check is its label without thresholds, so CI history (keyed on the name) survives
// a threshold change. Built from each check's own label() with two sets of thresholds.
const pairs: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
  [
    'rows',
    { table: 'public.orders', min: 1000 },
    { table: 'public.orders', min: 2000, max: 9000 },
    'rows public.orders',
  ],
  ['rows', { table: 'public.orders', exact: 5 }, { table: 'public.orders', max: 10 }, 'rows public.orders'],
  [
    'sql',
    { name: 'refunds', query: 'select 1', min: 1 },
    { name: 'refunds', query: 'select 1', equals: 2 },
    'sql refunds',
  ],
  [
    'sql',
    { name: 'none', query: 'select 1', empty: true },
    { name: 'none', query: 'select 1', empty: false },
    'sql none',
  ],
  ['duration', { max: '1h' }, {}, 'duration'],
  ['freshness', { maxAge: '26h' }, { maxAge: '30h', walMaxAge: '15m' }, 'freshness'],
  ['size', { minRatio: 0.5 }, { minRatio: 0.8, last: 3, minBytes: 1000 }, 'size'],
  ['retention', { daily: 30 }, { daily: 7, weekly: 12 }, 'retention'],
];

describe('stableCheckName', () => {
  test.each(pairs)('%s keeps its testcase name when its thresholds change', (type, before, after, expected) => {
    const check = findCheck(type)!;
    const name = (options: Record<string, unknown>) =>
      stableCheckName({ type, name: check.label(check.options.parse(options)) });
    expect(name(before)).toBe(expected);
    expect(name(after)).toBe(expected);
  });

  test('checks without thresholds keep their whole label', () => {
    const sequences = findCheck('sequences')!;
    expect(stableCheckName({ type: 'sequences', name: sequences.label(sequences.options.parse({})) })).toBe(
      'sequences',
    );
  });
});
