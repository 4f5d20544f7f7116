import { describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { sequencesCheck } from '../../../src/checks/sequences-check.js';
import { fakeDb } from './fake-db.js';

const context = (db: Queryable): CheckContext => ({
  db,
  database: 'app',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: '.',
});

function owned(seq: string, table: string, increment = '1', columnType = 'integer') {
  return {
    seq_schema: 'public',
    seq_name: seq,
    increment,
    table_schema: 'public',
    table_name: table,
    column_name: 'id',
    column_type: columnType,
  };
}

/** A database with the given catalog rows and, per sequence, its state and the column's extremes. */
function database(
  catalog: object[],
  states: Record<
    string,
    { last_value: string; is_called: boolean; max_value: string | null; min_value: string | null }
  >,
) {
  return fakeDb([
    [/from pg_class s\s+join pg_namespace sn/, catalog],
    [/from "public"\."(\w+)" s,/, (_params, sql) => [states[/from "public"\."(\w+)" s,/.exec(sql)![1]!]]],
  ]);
}

const run = (db: Queryable, input: object = {}) => sequencesCheck.run(context(db), sequencesCheck.options.parse(input));

describe('sequences', () => {
  it('defaults ignore to [] and labels by schema', () => {
    expect(sequencesCheck.options.parse({})).toEqual({ ignore: [] });
    expect(sequencesCheck.label(sequencesCheck.options.parse({}))).toBe('sequences');
    expect(sequencesCheck.label(sequencesCheck.options.parse({ schemas: ['app', 'Billing'] }))).toBe(
      'sequences in app, "Billing"',
    );
    expect(sequencesCheck.options.safeParse({ schema: ['app'] }).success).toBe(false);
    expect(sequencesCheck.options.safeParse({ schemas: [] }).success).toBe(false);
  });

  it('passes when every next nextval() is beyond the column, listing what it did not check', async () => {
    const db = database(
      [
        owned('a_id_seq', 'a'),
        { ...owned('loose', 'x'), table_schema: null, table_name: null, column_name: null, column_type: null },
      ],
      { a_id_seq: { last_value: '10', is_called: true, max_value: '10', min_value: '1' } },
    );
    const result = await run(db);
    expect(result).toMatchObject({
      status: 'passed',
      message: '1 owned sequence checked: each is ahead of its column; 1 other sequence not checked (see details)',
      details: ['unchecked: public.loose (not owned by a column)'],
    });
  });

  it.each([
    ['is_called and last_value below max', { last_value: '5', is_called: true, max_value: '100' }, 'failed'],
    ['is_called and last_value equal to max', { last_value: '100', is_called: true, max_value: '100' }, 'passed'],
    ['not called, last_value equal to max', { last_value: '100', is_called: false, max_value: '100' }, 'failed'],
    ['not called, last_value just above max', { last_value: '101', is_called: false, max_value: '100' }, 'passed'],
    ['an empty table', { last_value: '1', is_called: false, max_value: null }, 'passed'],
    ['beyond 2^53', { last_value: '9007199254740993', is_called: true, max_value: '9007199254740994' }, 'failed'],
  ])('with %s: %s', async (_name, state, status) => {
    const db = database([owned('a_id_seq', 'a', '1', 'bigint')], { a_id_seq: { min_value: '1', ...state } });
    expect((await run(db)).status).toBe(status);
  });

  it('names each sequence behind its column with its numbers', async () => {
    const db = database([owned('a_id_seq', 'a'), owned('b_id_seq', 'b'), owned('c_id_seq', 'c')], {
      a_id_seq: { last_value: '5', is_called: true, max_value: '100', min_value: '1' },
      b_id_seq: { last_value: '200', is_called: true, max_value: '100', min_value: '1' },
      c_id_seq: { last_value: '7', is_called: true, max_value: '9', min_value: '1' },
    });
    const result = await run(db);
    expect(result).toMatchObject({
      status: 'failed',
      message:
        '2 of 3 owned sequences are behind their column, the next nextval() returns a value already used: public.a_id_seq, public.c_id_seq',
      actual: '2 behind: public.a_id_seq, public.c_id_seq',
    });
    expect(result.details).toEqual([
      'public.a_id_seq (public.a.id): last_value=5, is_called=true, max=100, next nextval()=6',
      'public.c_id_seq (public.c.id): last_value=7, is_called=true, max=9, next nextval()=8',
    ]);
  });

  it('compares a descending sequence with the smallest value', async () => {
    const db = database([owned('d_seq', 'd', '-1')], {
      d_seq: { last_value: '-3', is_called: true, max_value: '-1', min_value: '-10' },
    });
    const result = await run(db);
    expect(result.details).toEqual([
      'public.d_seq (public.d.id): last_value=-3, is_called=true, min=-10, next nextval()=-4',
    ]);
  });

  it('skips ignored sequences and columns that are not integers', async () => {
    const db = database([owned('a_id_seq', 'a'), owned('t_seq', 't', '1', 'text')], {});
    const result = await run(db, { ignore: ['public.a_id_seq'] });
    expect(result).toMatchObject({
      status: 'passed',
      details: ['ignored: public.a_id_seq', 'unchecked: public.t_seq (owner column is text)'],
    });
  });

  it('passes the schema filter as a parameter', async () => {
    let seen: unknown;
    const db = fakeDb([[/from pg_class s/, (params) => ((seen = params), [])]]);
    await run(db, { schemas: ['app'] });
    expect(seen).toEqual([['app']]);
  });
});
