import type { Manifest, ManifestTable } from '../../../src/manifest/manifest-schema.js';

const HASH = '0123456789abcdef';

export function table(
  schema: string,
  name: string,
  rows: number | null,
  overrides: Partial<ManifestTable> = {},
): ManifestTable {
  return {
    schema,
    name,
    kind: 'table',
    rows,
    rowsEstimated: false,
    fingerprint: { columns: HASH, indexes: HASH, constraints: HASH, triggers: HASH },
    ...overrides,
  };
}

/** A small, valid manifest of a shop database; tests change what they compare. */
export function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    manifestVersion: 1,
    capturedAt: '2026-05-01T10:00:00.000Z',
    database: 'shop',
    serverVersion: '15.18 (Debian 15.18-0+deb12u1)',
    serverVersionNum: 150018,
    counts: 'exact',
    schemas: null,
    tables: [table('shop', 'orders', 20000), table('shop', 'users', 5000), table('public', 'flyway_schema_history', 3)],
    timestamps: [
      {
        schema: 'shop',
        table: 'orders',
        column: 'created_at',
        max: '2026-05-01 09:59:00+00',
        epoch: Date.parse('2026-05-01T09:59:00Z') / 1000,
      },
    ],
    sequences: [
      {
        schema: 'shop',
        name: 'orders_id_seq',
        lastValue: '20000',
        isCalled: true,
        increment: '1',
        ownedBy: { schema: 'shop', table: 'orders', column: 'id' },
      },
      { schema: 'shop', name: 'countdown', lastValue: '-10', isCalled: true, increment: '-1', ownedBy: null },
    ],
    schemaFingerprint: 'a'.repeat(64),
    types: [{ schema: 'shop', name: 'status', kind: 'enum', fingerprint: HASH }],
    extensions: [{ name: 'plpgsql', version: '1.0' }],
    timescaledb: null,
    migrations: [{ tool: 'flyway', schema: 'public', table: 'flyway_schema_history', count: 3, head: '3' }],
    ...overrides,
  };
}
