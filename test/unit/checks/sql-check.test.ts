import { describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { isEqual, sqlCheck } from '../../../src/checks/sql-check.js';
import { fakeDb } from './fake-db.js';

const context = (db: Queryable): CheckContext => ({
  db,
  database: 'app',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: '.',
});
const returning = (rows: object[]) => fakeDb([[/./, rows]]);
const run = (db: Queryable, input: object) => sqlCheck.run(context(db), sqlCheck.options.parse(input));

describe('sql options', () => {
  it.each([
    [{ query: 'select 1', equals: 1 }],
    [{ query: 'select 1', equals: null }],
    [{ query: 'select 1', min: 1, max: 2 }],
    [{ query: 'select 1', empty: false }],
  ])('accepts one expectation: %j', (input) => {
    expect(sqlCheck.options.safeParse(input).success).toBe(true);
  });

  it.each([
    [{ query: 'select 1' }, 'set exactly one expectation: equals, min/max or empty (found 0)'],
    [{ query: 'select 1', equals: 1, min: 1 }, 'set exactly one expectation: equals, min/max or empty (found 2)'],
    [{ query: 'select 1', empty: true, max: 3 }, '(found 2)'],
    [{ query: '  ', equals: 1 }, 'Too small'],
    [{ query: 'select 1', min: 5, max: 1 }, 'min (5) is greater than max (1)'],
    [{ query: 'select 1', equals: [1] }, 'Invalid input'],
  ])('rejects %j', (input, message) => {
    const parsed = sqlCheck.options.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });

  it('labels with the name, or the query shortened to one line', () => {
    expect(sqlCheck.label(sqlCheck.options.parse({ query: 'select 1', name: 'one', equals: 1 }))).toBe('sql one = 1');
    const long = `select count(*)\n  from orders\n where created_at > now() - interval '1 day' and state = 'paid'`;
    expect(sqlCheck.label(sqlCheck.options.parse({ query: long, min: 1 }))).toBe(
      'sql select count(*) from orders where created_at > now() - inte… >= 1',
    );
    expect(sqlCheck.label(sqlCheck.options.parse({ query: 'select 1', empty: true }))).toBe('sql select 1 is empty');
  });
});

describe('sql comparison', () => {
  it.each([
    ['812', 812, true],
    [812, 812, true],
    ['812.50', 812.5, true],
    ['abc', 0, false],
    [null, null, true],
    [0, null, false],
    [true, true, true],
    ['t', true, true],
    ['f', true, false],
    ['paid', 'paid', true],
    [42, '42', true],
    [null, 'null', false],
  ] as const)('%j equals %j: %s', (value, wanted, equal) => {
    expect(isEqual(value, wanted)).toBe(equal);
  });
});

describe('sql run', () => {
  it('compares the first column of the first row', async () => {
    expect(await run(returning([{ n: '812', other: 'x' }, { n: '1' }]), { query: 'q', equals: 812 })).toMatchObject({
      status: 'passed',
      actual: '812',
    });
  });

  it('fails when a range expectation meets a non-number or no rows', async () => {
    expect(await run(returning([{ state: 'paid' }]), { query: 'q', min: 1 })).toMatchObject({
      status: 'failed',
      message: 'query returned paid, which is not a number, expected at least 1',
    });
    expect(await run(returning([]), { query: 'q', max: 10 })).toMatchObject({
      status: 'failed',
      message: 'query returned no rows, expected a value <= 10',
    });
  });

  it('checks that rows were returned when empty is false', async () => {
    expect(await run(returning([]), { query: 'q', empty: false, name: 'paid orders' })).toMatchObject({
      status: 'failed',
      message: 'paid orders: query returned 0 rows, expected at least one',
    });
  });

  it('lets an SQL error propagate to runCheck', async () => {
    const db = fakeDb([]);
    await expect(run(db, { query: 'select nope', equals: 1 })).rejects.toThrow(/unexpected query/);
  });
});
