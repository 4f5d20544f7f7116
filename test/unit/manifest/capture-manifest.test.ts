import { describe, expect, it } from 'vitest';
import { BEGIN_READ_ONLY, captureManifest } from '../../../src/manifest/capture-manifest.js';
import { parseManifest } from '../../../src/manifest/manifest-schema.js';
import { fakeDb } from '../checks/fake-db.js';

const server: [RegExp, unknown[]] = [
  /current_database\(\)/,
  [{ database: 'app', version: '15.18', version_num: '150018', now: 1777629600.5 }],
];
const orders = { oid: '16390', schema: 'shop', name: 'orders', relkind: 'r', populated: true, reltuples: -1 };

function database(overrides: [RegExp, unknown[] | ((params: unknown[] | undefined) => unknown[])][] = []) {
  return fakeDb([
    ...overrides,
    [/^(begin|commit|rollback|set local)/, []],
    server,
    [/from pg_class c join pg_namespace n on n.oid = c.relnamespace\s+where c.relkind in/, [orders]],
    [
      /select a.attrelid::int8::text as oid, 'columns'/,
      [{ oid: '16390', part: 'columns', position: 1, line: 'id bigint not null' }],
    ],
    [/select count\(\*\)::text as count from "shop"."orders"/, [{ count: '20000' }]],
    [/from pg_type t/, []],
    [/from pg_extension/, [{ name: 'plpgsql', version: '1.0' }]],
    [/from pg_sequence ps|join pg_sequence ps/, []],
    [/where c.relname = \$1 and c.relkind/, []],
  ]);
}

describe('captureManifest', () => {
  it('reads everything inside one read-only, repeatable-read transaction, then commits', async () => {
    const db = database();
    const manifest = await captureManifest(db);
    expect(db.queries[0]).toBe(BEGIN_READ_ONLY);
    expect(BEGIN_READ_ONLY).toBe('begin transaction isolation level repeatable read, read only');
    expect(db.queries.slice(1, 3)).toEqual([
      'set local search_path = pg_catalog, pg_temp',
      "set local timezone = 'UTC'",
    ]);
    expect(db.queries.at(-1)).toBe('commit');
    expect(db.queries.some((q) => /^\s*(insert|update|delete|create|alter|drop|analyze|vacuum)\b/i.test(q))).toBe(
      false,
    );
    expect(parseManifest(manifest)).toEqual(manifest);
    expect(manifest).toMatchObject({
      database: 'app',
      capturedAt: '2026-05-01T10:00:00.500Z',
      counts: 'exact',
      tables: [{ name: 'orders', rows: 20000, rowsEstimated: false }],
    });
  });

  it('uses the planner estimate once a table was analysed, and counts one that never was', async () => {
    const analysed = database([
      [
        /from pg_class c join pg_namespace n on n.oid = c.relnamespace\s+where c.relkind in/,
        [{ ...orders, reltuples: 19876.4 }],
      ],
    ]);
    expect((await captureManifest(analysed, { counts: 'estimated' })).tables[0]).toMatchObject({
      rows: 19876,
      rowsEstimated: true,
    });
    expect(analysed.queries.some((q) => q.includes('as count from "shop"'))).toBe(false);
    const never = database();
    expect((await captureManifest(never, { counts: 'estimated' })).tables[0]).toMatchObject({
      rows: 20000,
      rowsEstimated: false,
    });
  });

  it('rolls back and rethrows when a query fails, leaving the connection usable', async () => {
    const db = database([
      [
        /select count\(\*\)/,
        () => {
          throw new Error('permission denied for table orders');
        },
      ],
    ]);
    await expect(captureManifest(db)).rejects.toThrow('permission denied for table orders');
    expect(db.queries.at(-1)).toBe('rollback');
    expect(db.queries).not.toContain('commit');
  });

  it('rejects a malformed timestamp column before it opens a transaction', async () => {
    const db = database();
    await expect(captureManifest(db, { timestampColumns: ['created_at'] })).rejects.toMatchObject({
      code: 'INVALID_COLUMN_NAME',
    });
    expect(db.queries).toEqual([]);
  });

  it('names a missing schema and lists the ones there are, or skips it when asked', async () => {
    const namespaces: [RegExp, unknown[]] = [
      /from pg_namespace/,
      [
        { name: 'public', wanted: false },
        { name: 'shop', wanted: true },
      ],
    ];
    await expect(captureManifest(database([namespaces]), { schemas: ['shop', 'Sales'] })).rejects.toMatchObject({
      code: 'SCHEMA_NOT_FOUND',
      message: 'schema Sales does not exist in the database',
      hint: 'schemas found: public, shop (names are exact, case-sensitive)',
    });
    const skipped = await captureManifest(database([namespaces]), { schemas: ['shop', 'Sales'], missing: 'skip' });
    expect(skipped.schemas).toEqual(['Sales', 'shop']);
  });
});
