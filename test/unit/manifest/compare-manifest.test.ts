import { describe, expect, it } from 'vitest';
import { compareManifest } from '../../../src/manifest/compare-manifest.js';
import type { Manifest } from '../../../src/manifest/manifest-schema.js';
import { manifest, table } from './manifest-fixture.js';

const messages = (expected: Manifest, actual: Manifest, tolerances = {}) =>
  compareManifest(expected, actual, tolerances).map((d) => d.message);
const withOrders = (rows: number, overrides: Partial<Manifest> = {}) =>
  manifest({
    tables: [table('shop', 'orders', rows), table('shop', 'users', 5000), table('public', 'flyway_schema_history', 3)],
    ...overrides,
  });

describe('compareManifest: row counts', () => {
  it('finds nothing when the restore matches', () => {
    expect(compareManifest(manifest(), manifest())).toEqual([]);
  });

  it('always reports fewer rows than a manifest captured before the backup', () => {
    expect(compareManifest(withOrders(20500), withOrders(20000))).toEqual([
      {
        kind: 'rows',
        subject: 'shop.orders',
        expected: '20500',
        actual: '20000',
        message:
          'shop.orders: 20000 rows restored, 20500 in the manifest (500 fewer: a backup taken after the manifest may gain rows, never lose them)',
      },
    ]);
    expect(messages(withOrders(20000), withOrders(19999), { rowsWrittenBetween: { percent: 50 } })).toHaveLength(1);
  });

  it('tolerates up to 5% more rows by default, and names the limit when beyond', () => {
    expect(messages(withOrders(20000), withOrders(21000))).toEqual([]);
    expect(messages(withOrders(20000), withOrders(21100))).toEqual([
      'shop.orders: 21100 rows restored, 20000 in the manifest (1100 more, +5.5%; at most 1000 tolerated (5%))',
    ]);
  });

  it('passes a count within either limit set, and drops the default percentage once one is set', () => {
    expect(messages(withOrders(20000), withOrders(22000), { rowsWrittenBetween: { rows: 2000, percent: 1 } })).toEqual(
      [],
    );
    expect(messages(withOrders(20000), withOrders(20001), { rowsWrittenBetween: { rows: 0 } })).toEqual([
      'shop.orders: 20001 rows restored, 20000 in the manifest (1 more, +<0.1%; at most 0 tolerated (0 rows))',
    ]);
    expect(messages(withOrders(0), withOrders(3), { rowsWrittenBetween: { rows: 5 } })).toEqual([]);
    expect(messages(withOrders(0), withOrders(3))).toEqual([
      'shop.orders: 3 rows restored, 0 in the manifest (3 more; at most 0 tolerated (5%))',
    ]);
  });

  it('turns the direction around for a manifest captured after the backup', () => {
    const after = { captured: 'after-backup' as const };
    expect(messages(withOrders(20500), withOrders(20000), after)).toEqual([]);
    expect(messages(withOrders(20000), withOrders(20001), after)).toEqual([
      'shop.orders: 20001 rows restored, 20000 in the manifest (1 more: a backup taken before the manifest may lack rows, never have more)',
    ]);
    expect(messages(withOrders(20000), withOrders(18000), after)).toEqual([
      'shop.orders: 18000 rows restored, 20000 in the manifest (2000 fewer, -10%; at most 1000 tolerated (5%))',
    ]);
  });

  it('judges a planner estimate by size only, either way', () => {
    const estimated = manifest({
      counts: 'estimated',
      tables: [table('shop', 'orders', 20000, { rowsEstimated: true })],
    });
    const restored = (rows: number) => manifest({ tables: [table('shop', 'orders', rows)] });
    expect(messages(estimated, restored(19500))).toEqual([]);
    expect(messages(estimated, restored(18000))).toEqual([
      'shop.orders: 18000 rows restored, 20000 in the manifest (2000 fewer, -10%; at most 1000 tolerated (5%); the manifest count is a planner estimate)',
    ]);
  });

  it('does not count a partitioned parent, whose rows are in its partitions', () => {
    const parent = (rows: number | null) =>
      manifest({ tables: [table('shop', 'events', rows, { kind: 'partitioned table' })] });
    expect(messages(parent(null), parent(null))).toEqual([]);
  });
});

describe('compareManifest: tables and schema', () => {
  it('reports tables missing from the restore and tables the manifest does not know', () => {
    const actual = manifest({
      tables: [table('shop', 'users', 5000), table('public', 'flyway_schema_history', 3), table('shop', 'Tmp', 2)],
    });
    expect(compareManifest(manifest(), actual).filter((d) => d.kind.startsWith('table'))).toEqual([
      {
        kind: 'table-missing',
        subject: 'shop.orders',
        expected: '20000 rows',
        actual: 'missing',
        message: 'shop.orders: in the manifest (20000 rows), not in the restored database',
      },
      {
        kind: 'table-extra',
        subject: 'shop."Tmp"',
        expected: 'absent',
        actual: '2 rows',
        message: 'shop."Tmp": restored (2 rows), not in the manifest',
      },
    ]);
  });

  it('names the part of a table whose definition changed, once the fingerprint differs', () => {
    const changed = table('shop', 'orders', 20000, {
      fingerprint: {
        columns: '0123456789abcdef',
        indexes: 'ffffffffffffffff',
        constraints: '0123456789abcdef',
        triggers: 'eeeeeeeeeeeeeeee',
      },
    });
    const actual = manifest({
      schemaFingerprint: 'b'.repeat(64),
      tables: [changed, table('shop', 'users', 5000), table('public', 'flyway_schema_history', 3)],
    });
    expect(compareManifest(manifest(), actual)).toEqual([
      {
        kind: 'schema',
        subject: 'shop.orders',
        expected: 'indexes 0123456789abcdef, triggers 0123456789abcdef',
        actual: 'indexes ffffffffffffffff, triggers eeeeeeeeeeeeeeee',
        message: 'shop.orders: indexes, triggers differ from the manifest',
      },
    ]);
    // The same tables under an equal overall fingerprint are not looked at.
    expect(compareManifest(manifest(), { ...actual, schemaFingerprint: 'a'.repeat(64) })).toEqual([]);
  });

  it('reports a table that became another kind of relation, and changed user types', () => {
    const actual = manifest({
      schemaFingerprint: 'b'.repeat(64),
      tables: [
        table('shop', 'orders', 20000, { kind: 'materialized view' }),
        table('shop', 'users', 5000),
        table('public', 'flyway_schema_history', 3),
      ],
      types: [
        { schema: 'shop', name: 'status', kind: 'enum', fingerprint: 'ffffffffffffffff' },
        { schema: 'shop', name: 'money2', kind: 'domain', fingerprint: 'eeeeeeeeeeeeeeee' },
      ],
    });
    expect(messages(manifest(), actual)).toEqual([
      'shop.orders: a materialized view restored, a table in the manifest',
      'type shop.status: its definition differs from the manifest',
      'type shop.money2: restored (domain), not in the manifest',
    ]);
    expect(messages(manifest(), manifest({ schemaFingerprint: 'b'.repeat(64), types: [] }))).toEqual([
      'type shop.status: in the manifest (enum), not in the restored database',
    ]);
  });
});

describe('compareManifest: ignoreTables', () => {
  it('leaves out the table, its timestamps, its owned sequences and its schema', () => {
    const actual = manifest({
      schemaFingerprint: 'b'.repeat(64),
      tables: [
        table('shop', 'orders', 1, {
          fingerprint: {
            columns: 'ffffffffffffffff',
            indexes: '0123456789abcdef',
            constraints: '0123456789abcdef',
            triggers: '0123456789abcdef',
          },
        }),
        table('shop', 'users', 5000),
        table('public', 'flyway_schema_history', 3),
      ],
      timestamps: [],
      sequences: [{ ...manifest().sequences[0]!, lastValue: '1' }, manifest().sequences[1]!],
    });
    expect(messages(manifest(), actual)).toHaveLength(4);
    expect(messages(manifest(), actual, { ignoreTables: ['Shop.Orders'] })).toEqual([]);
  });

  it('leaves out a migration history table that is ignored', () => {
    const actual = manifest({ migrations: [] });
    expect(messages(manifest(), actual)).toEqual([
      'flyway public.flyway_schema_history: in the manifest (head 3, 3 entries), not in the restored database',
    ]);
    expect(messages(manifest(), actual, { ignoreTables: ['flyway_schema_history'] })).toEqual([]);
  });
});

describe('compareManifest: timestamps', () => {
  const at = (iso: string | null) =>
    manifest({
      timestamps: [
        {
          schema: 'shop',
          table: 'orders',
          column: 'created_at',
          max: iso === null ? null : iso.replace('T', ' ').replace(':00Z', ':00+00'),
          epoch: iso === null ? null : Date.parse(iso) / 1000,
        },
      ],
    });

  it('reports a newest value older than the manifest by more than the time tolerance', () => {
    expect(messages(at('2026-05-01T09:59:00Z'), at('2026-05-01T09:40:00Z'))).toEqual([
      'shop.orders.created_at: newest 2026-05-01 09:40:00+00 restored, newest 2026-05-01 09:59:00+00 in the manifest (19m older; no lag tolerated)',
    ]);
    expect(messages(at('2026-05-01T09:59:00Z'), at('2026-05-01T09:40:00Z'), { timeSeconds: 1200 })).toEqual([]);
    expect(messages(at('2026-05-01T09:59:00Z'), at('2026-05-01T08:00:00Z'), { timeSeconds: 900 })[0]).toContain(
      '(1h 59m older; at most 15m tolerated)',
    );
  });

  it('accepts newer values, unless the manifest was captured after the backup', () => {
    expect(messages(at('2026-05-01T09:59:00Z'), at('2026-05-01T11:00:00Z'))).toEqual([]);
    expect(
      messages(at('2026-05-01T09:59:00Z'), at('2026-05-01T11:00:00Z'), { captured: 'after-backup', timeSeconds: 3600 }),
    ).toEqual([
      'shop.orders.created_at: newest 2026-05-01 11:00:00+00 restored, newest 2026-05-01 09:59:00+00 in the manifest (newer than a manifest captured after the backup)',
    ]);
  });

  it('reports an emptied table and a missing column; an empty table in the manifest proves nothing', () => {
    expect(messages(at('2026-05-01T09:59:00Z'), at(null))).toEqual([
      'shop.orders.created_at: no rows restored, newest 2026-05-01 09:59:00+00 in the manifest (the table is empty)',
    ]);
    expect(messages(at('2026-05-01T09:59:00Z'), manifest({ timestamps: [] }))).toEqual([
      'shop.orders.created_at: newest 2026-05-01 09:59:00+00 in the manifest; the restored database has no such date/time column',
    ]);
    expect(messages(at(null), at('2026-05-01T09:59:00Z'))).toEqual([]);
  });
});

describe('compareManifest: sequences', () => {
  const seq = (lastValue: string, overrides: Partial<Manifest['sequences'][number]> = {}) =>
    manifest({
      sequences: [
        {
          schema: 'shop',
          name: 'orders_id_seq',
          lastValue,
          isCalled: true,
          increment: '1',
          ownedBy: null,
          ...overrides,
        },
      ],
    });

  it('reports a sequence behind the manifest, and accepts one ahead', () => {
    expect(messages(seq('20500'), seq('20000'))).toEqual([
      'sequence shop.orders_id_seq: next value 20001 restored, 20501 in the manifest (500 behind the manifest)',
    ]);
    expect(messages(seq('20000'), seq('20500'))).toEqual([]);
  });

  it('compares the next value: is_called=false hands out last_value itself', () => {
    expect(messages(seq('20000'), seq('20001', { isCalled: false }))).toEqual([]);
    expect(messages(seq('20000'), seq('20000', { isCalled: false }))).toEqual([
      'sequence shop.orders_id_seq: next value 20000 restored, 20001 in the manifest (1 behind the manifest)',
    ]);
  });

  it('knows that a descending sequence moves down, and keeps int8 values exact', () => {
    const down = (v: string) => seq(v, { increment: '-1' });
    expect(messages(down('-10'), down('-20'))).toEqual([]);
    expect(messages(down('-20'), down('-10'))).toEqual([
      'sequence shop.orders_id_seq: next value -11 restored, -21 in the manifest (10 behind the manifest)',
    ]);
    expect(messages(seq('9007199254740993'), seq('9007199254740992'))[0]).toContain(
      'next value 9007199254740993 restored, 9007199254740994 in the manifest',
    );
  });

  it('turns the direction around for a manifest captured after the backup, and reports missing and extra sequences', () => {
    expect(messages(seq('20500'), seq('20000'), { captured: 'after-backup' })).toEqual([]);
    expect(messages(seq('20000'), seq('20500'), { captured: 'after-backup' })[0]).toContain(
      '(500 ahead of a manifest captured after the backup)',
    );
    expect(messages(seq('1'), seq('1', { name: 'other_seq' }))).toEqual([
      'sequence shop.orders_id_seq: in the manifest (next value 2), not in the restored database',
      'sequence shop.other_seq: restored, not in the manifest',
    ]);
  });
});

describe('compareManifest: extensions, hypertables, migrations', () => {
  it('reports extension versions that differ, and extensions missing or extra', () => {
    const expected = manifest({
      extensions: [
        { name: 'pg_trgm', version: '1.6' },
        { name: 'plpgsql', version: '1.0' },
      ],
    });
    const actual = manifest({
      extensions: [
        { name: 'pg_trgm', version: '1.5' },
        { name: 'postgis', version: '3.4.0' },
      ],
    });
    expect(messages(expected, actual)).toEqual([
      'extension pg_trgm: version 1.5 restored, 1.6 in the manifest',
      'extension plpgsql 1.0: in the manifest, not in the restored database',
      'extension postgis 3.4.0: restored, not in the manifest',
    ]);
  });

  it('reports hypertables missing or with fewer chunks, and accepts new chunks', () => {
    const ts = (chunks: number[]) =>
      manifest({
        timescaledb: {
          version: '2.17.2',
          hypertables: chunks.map((n, i) => ({ schema: 'public', name: `metrics${i}`, chunks: n })),
        },
      });
    expect(messages(ts([10, 4]), ts([12]))).toEqual([
      'hypertable public.metrics1: in the manifest (4 chunks), not a hypertable in the restored database',
    ]);
    expect(messages(ts([10]), ts([8]))).toEqual([
      'hypertable public.metrics0: 8 chunks restored, 10 in the manifest (2 fewer)',
    ]);
    expect(messages(manifest(), ts([1]))).toEqual([]);
  });

  it('reports a migration head or count that differs', () => {
    const flyway = (head: string, count: number) =>
      manifest({ migrations: [{ tool: 'flyway', schema: 'public', table: 'flyway_schema_history', count, head }] });
    expect(messages(flyway('4', 4), flyway('3', 3))).toEqual([
      'flyway public.flyway_schema_history: head 3, 3 entries restored, head 4, 4 entries in the manifest',
    ]);
    expect(messages(flyway('4', 5), flyway('4', 4))).toHaveLength(1);
  });
});
