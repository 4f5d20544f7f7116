import { describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { buildOrphanQuery, describeOrphans, type ForeignKey } from '../../../src/checks/foreign-keys.js';
import { schemaCheck } from '../../../src/checks/schema-check.js';
import { fakeDb } from './fake-db.js';

const context = (db: Queryable): CheckContext => ({
  db,
  database: 'app',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: '.',
});

const fk: ForeignKey = {
  name: 'orders_customer_fk',
  child: { schema: 'public', name: 'orders', partitioned: false },
  parent: { schema: 'public', name: 'customers', partitioned: false },
  childColumns: ['customer_id'],
  parentColumns: ['id'],
  matchType: 's',
};

describe('schema options', () => {
  it('defaults to no invalid indexes, no NOT VALID constraints, foreign keys verified', () => {
    expect(schemaCheck.options.parse({})).toEqual({
      tables: [],
      absent: [],
      invalidIndexes: 0,
      notValidConstraints: 0,
      foreignKeys: true,
    });
    expect(schemaCheck.label(schemaCheck.options.parse({}))).toBe('schema');
    expect(schemaCheck.label(schemaCheck.options.parse({ tables: ['users'], absent: ['audit.log'] }))).toBe(
      'schema public.users without audit.log',
    );
  });

  it('rejects unknown keys and bad names', () => {
    expect(schemaCheck.options.safeParse({ invalidIndex: 0 }).success).toBe(false);
    expect(schemaCheck.options.safeParse({ tables: ['a.b.c'] }).success).toBe(false);
    expect(schemaCheck.options.safeParse({ invalidIndexes: -1 }).success).toBe(false);
  });
});

describe('foreign key orphan query', () => {
  it('anti-joins ONLY the tables for MATCH SIMPLE, skipping keys with a null', () => {
    expect(buildOrphanQuery(fk)).toBe(
      'select count(*)::text as orphans from only "public"."orders" child where (child."customer_id" is not null) and ' +
        'not exists (select 1 from only "public"."customers" parent where parent."id" = child."customer_id")',
    );
  });

  it('also counts partly-null keys under MATCH FULL, and reads partitioned tables whole', () => {
    const full: ForeignKey = {
      ...fk,
      child: { ...fk.child, partitioned: true },
      childColumns: ['a', 'b'],
      parentColumns: ['x', 'y'],
      matchType: 'f',
    };
    expect(buildOrphanQuery(full)).toBe(
      'select count(*)::text as orphans from "public"."orders" child where ((child."a" is not null and child."b" is not null) and ' +
        'not exists (select 1 from only "public"."customers" parent where parent."x" = child."a" and parent."y" = child."b")) or ' +
        'not ((child."a" is null and child."b" is null) or (child."a" is not null and child."b" is not null))',
    );
  });

  it('describes orphans by constraint, tables and columns', () => {
    expect(describeOrphans(fk, 1)).toBe(
      'foreign key orders_customer_fk: 1 row of public.orders (customer_id) has no match in public.customers (id)',
    );
  });
});

describe('schema run', () => {
  it('skips foreign keys when told to and passes on a clean catalog', async () => {
    const db = fakeDb([
      [/from pg_index/, []],
      [/from pg_constraint con join pg_namespace n/, []],
    ]);
    const result = await schemaCheck.run(context(db), schemaCheck.options.parse({ foreignKeys: false }));
    expect(result).toMatchObject({
      status: 'passed',
      message: 'schema holds: 0 invalid indexes, 0 NOT VALID constraints',
    });
    expect(db.queries.some((q) => q.includes("contype = 'f'"))).toBe(false);
  });

  it('runs one orphan query per foreign key and reports each', async () => {
    const keys = [
      { ...fkRow('a_fk'), child_table: 'a' },
      { ...fkRow('b_fk'), child_table: 'b' },
    ];
    const db = fakeDb([
      [/from pg_index/, []],
      [/from pg_constraint con\s+join pg_class c/, keys],
      [/from pg_constraint con join pg_namespace n/, []],
      [/from only "public"."a"/, [{ orphans: '0' }]],
      [/from only "public"."b"/, [{ orphans: '7' }]],
    ]);
    const result = await schemaCheck.run(context(db), schemaCheck.options.parse({}));
    expect(result).toMatchObject({
      status: 'failed',
      message: 'schema has 1 problem: 1 foreign key with orphan rows (b_fk)',
      actual: '1 foreign key with orphan rows',
      details: ['foreign key b_fk: 7 rows of public.b (customer_id) have no match in public.customers (id)'],
    });
    expect(db.queries.filter((q) => q.includes('as orphans'))).toHaveLength(2);
  });
});

function fkRow(name: string) {
  return {
    name,
    child_schema: 'public',
    child_table: 'orders',
    child_kind: 'r',
    parent_schema: 'public',
    parent_table: 'customers',
    parent_kind: 'r',
    match_type: 's',
    child_columns: ['customer_id'],
    parent_columns: ['id'],
  };
}
