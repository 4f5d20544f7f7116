import { describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { rowsCheck } from '../../../src/checks/rows-check.js';
import { fakeDb } from './fake-db.js';

const context = (db: Queryable): CheckContext => ({
  db,
  database: 'app',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: '.',
});
const table = (found: boolean) =>
  [/from pg_class c join pg_namespace/, found ? [{ oid: '16384', relkind: 'r' }] : []] as [RegExp, unknown[]];

describe('rows options', () => {
  it('accepts bounds and defaults estimate to false', () => {
    expect(rowsCheck.options.parse({ table: 'orders', min: 1 })).toEqual({ table: 'orders', min: 1, estimate: false });
  });

  it.each([
    [{ table: 'orders' }, 'set at least one of min, max, exact'],
    [{ table: 'orders', exact: 5, min: 1 }, 'exact cannot be combined with min or max'],
    [{ table: 'orders', min: 10, max: 5 }, 'min (10) is greater than max (5)'],
    [{ table: 'orders', min: -1 }, 'Too small'],
    [{ table: 'orders', min: 1.5 }, 'expected int'],
    [{ table: 'a.b.c', min: 1 }, 'expected schema.table or table (schema public)'],
    [{ table: 'orders', min: 1, minimum: 2 }, 'Unrecognized key: "minimum"'],
  ])('rejects %j', (input, message) => {
    const parsed = rowsCheck.options.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });
});

describe('rows label', () => {
  it.each([
    [{ table: 'public.orders', min: 1000 }, 'rows public.orders >= 1000'],
    [{ table: 'orders', max: 5 }, 'rows public.orders <= 5'],
    [{ table: 'Sales.Orders', min: 1, max: 9 }, 'rows sales.orders >= 1 and <= 9'],
    [{ table: '"Sales"."Orders"', exact: 0 }, 'rows "Sales"."Orders" = 0'],
  ])('labels %j as %s', (input, label) => {
    expect(rowsCheck.label(rowsCheck.options.parse(input))).toBe(label);
  });
});

describe('rows run', () => {
  const run = (db: Queryable, input: object) => rowsCheck.run(context(db), rowsCheck.options.parse(input));

  it('fails with the measured count and what was expected', async () => {
    const db = fakeDb([table(true), [/count\(\*\)/, [{ count: '812' }]]]);
    expect(await run(db, { table: 'public.orders', min: 1000 })).toEqual({
      status: 'failed',
      message: 'public.orders has 812 rows, expected at least 1000',
      expected: '>= 1000',
      actual: '812',
    });
    expect(db.queries[1]).toBe('select count(*)::text as count from "public"."orders"');
  });

  it('passes on an exact count', async () => {
    const db = fakeDb([table(true), [/count\(\*\)/, [{ count: '5' }]]]);
    expect(await run(db, { table: 'orders', exact: 5 })).toMatchObject({
      status: 'passed',
      message: 'public.orders has 5 rows, expected exactly 5',
    });
  });

  it('fails when the table is missing, without counting', async () => {
    const db = fakeDb([table(false)]);
    expect(await run(db, { table: 'x', min: 1 })).toMatchObject({
      status: 'failed',
      message: 'table public.x does not exist',
      actual: 'no such table',
    });
    expect(db.queries).toHaveLength(1);
  });

  it('uses reltuples when estimating and counts when the table was never analysed', async () => {
    const estimated = fakeDb([table(true), [/reltuples/, [{ reltuples: 1_000_400.0 }]]]);
    expect(await run(estimated, { table: 'orders', min: 1_000_000, estimate: true })).toMatchObject({
      status: 'passed',
      message: 'public.orders has about 1000400 rows (planner estimate), expected at least 1000000',
    });
    const neverAnalysed = fakeDb([table(true), [/reltuples/, [{ reltuples: -1 }]], [/count\(\*\)/, [{ count: '3' }]]]);
    expect(await run(neverAnalysed, { table: 'orders', min: 1, estimate: true })).toMatchObject({
      status: 'passed',
      actual: '3',
    });
  });
});
