import { describe, expect, it } from 'vitest';
import { diffSchemaSnapshots } from '../../../src/checks/schema-diff.js';
import { narrowSchemaSnapshot } from '../../../src/checks/schema-drift-check.js';
import type { SchemaSnapshot, TableSnapshot } from '../../../src/checks/schema-snapshot.js';

function orders(): TableSnapshot {
  return {
    columns: [
      { name: 'id', type: 'integer', nullable: false, default: null },
      { name: 'user_id', type: 'integer', nullable: false, default: null },
      { name: 'amount', type: 'numeric(12,2)', nullable: false, default: '0' },
    ],
    indexes: [
      { name: 'orders_pkey', definition: 'CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id)' },
      {
        name: 'orders_user_id_idx',
        definition: 'CREATE INDEX orders_user_id_idx ON shop.orders USING btree (user_id)',
      },
    ],
    constraints: [
      { name: 'orders_amount_check', type: 'check', definition: 'CHECK ((amount >= (0)::numeric))' },
      { name: 'orders_pkey', type: 'primary key', definition: 'PRIMARY KEY (id)' },
    ],
  };
}

function snapshot(): SchemaSnapshot {
  return {
    version: 1,
    tables: {
      'shop.orders': orders(),
      'shop.users': {
        columns: [{ name: 'id', type: 'integer', nullable: false, default: null }],
        indexes: [],
        constraints: [],
      },
    },
    extensions: [
      { name: 'pgcrypto', version: '1.3' },
      { name: 'plpgsql', version: '1.0' },
    ],
    functions: [{ signature: 'public.f(integer)', resultType: 'integer', language: 'sql' }],
  };
}

describe('diffSchemaSnapshots', () => {
  it('finds no drift between a snapshot and itself', () => {
    expect(diffSchemaSnapshots(snapshot(), snapshot())).toEqual([]);
  });

  it('names missing and extra tables', () => {
    const actual = snapshot();
    delete actual.tables['shop.orders'];
    actual.tables['audit.log'] = { columns: [], indexes: [], constraints: [] };
    expect(diffSchemaSnapshots(snapshot(), actual)).toEqual(['extra table audit.log', 'missing table shop.orders']);
  });

  it('names each column change: presence, type, nullability, default', () => {
    const actual = snapshot();
    const table = actual.tables['shop.orders']!;
    table.columns = [
      { name: 'id', type: 'integer', nullable: true, default: null },
      { name: 'amount', type: 'numeric', nullable: false, default: null },
      { name: 'nickname', type: 'text', nullable: true, default: null },
    ];
    expect(diffSchemaSnapshots(snapshot(), actual)).toEqual([
      'column shop.orders.amount type numeric(12,2) → numeric',
      'column shop.orders.amount default 0 → none',
      'column shop.orders.id not null → nullable',
      'extra column shop.orders.nickname (text)',
      'missing column shop.orders.user_id (integer)',
    ]);
  });

  it('names index and constraint changes with the table they belong to', () => {
    const actual = snapshot();
    const table = actual.tables['shop.orders']!;
    table.indexes = [
      { name: 'orders_pkey', definition: 'CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id, user_id)' },
      { name: 'Orders By Amount', definition: 'CREATE INDEX "Orders By Amount" ON shop.orders USING btree (amount)' },
    ];
    table.constraints = [{ name: 'orders_amount_check', type: 'check', definition: 'CHECK ((amount > (0)::numeric))' }];
    expect(diffSchemaSnapshots(snapshot(), actual)).toEqual([
      'extra index "Orders By Amount" on shop.orders',
      'index orders_pkey on shop.orders definition changed: CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id) → ' +
        'CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id, user_id)',
      'missing index orders_user_id_idx on shop.orders',
      'constraint orders_amount_check on shop.orders definition changed: CHECK ((amount >= (0)::numeric)) → CHECK ((amount > (0)::numeric))',
      'missing constraint orders_pkey on shop.orders (primary key)',
    ]);
  });

  it('names extension and function changes', () => {
    const actual = snapshot();
    actual.extensions = [
      { name: 'amcheck', version: '1.3' },
      { name: 'pgcrypto', version: '1.2' },
    ];
    actual.functions = [
      { signature: 'public.f(integer)', resultType: 'bigint', language: 'plpgsql' },
      { signature: 'public.g(text)', resultType: 'text', language: 'sql' },
    ];
    expect(diffSchemaSnapshots(snapshot(), actual)).toEqual([
      'extra extension amcheck (1.3)',
      'extension pgcrypto version 1.3 → 1.2',
      'missing extension plpgsql (1.0)',
      'function public.f(integer) result integer → bigint',
      'function public.f(integer) language sql → plpgsql',
      'extra function public.g(text)',
    ]);
    expect(diffSchemaSnapshots(actual, snapshot())).toContain('missing function public.g(text)');
  });

  it('orders lines by name the same way everywhere (code points, not locale)', () => {
    const actual = snapshot();
    actual.tables['shop.B'] = { columns: [], indexes: [], constraints: [] };
    actual.tables['shop.a'] = { columns: [], indexes: [], constraints: [] };
    expect(diffSchemaSnapshots(snapshot(), actual)).toEqual(['extra table shop.B', 'extra table shop.a']);
  });
});

describe('narrowSchemaSnapshot', () => {
  const wide = (): SchemaSnapshot => ({
    ...snapshot(),
    tables: {
      ...snapshot().tables,
      'audit.log': { columns: [], indexes: [], constraints: [] },
      '"Sales".orders': orders(),
    },
    functions: [...snapshot().functions, { signature: 'audit.stamp()', resultType: 'trigger', language: 'plpgsql' }],
  });

  it('keeps the schemas asked for (quoted names too), and every extension', () => {
    const narrowed = narrowSchemaSnapshot(wide(), { schemas: ['shop', 'Sales'], ignore: [] });
    expect(Object.keys(narrowed.tables)).toEqual(['shop.orders', 'shop.users', '"Sales".orders']);
    expect(narrowed.functions).toEqual([]);
    expect(narrowed.extensions).toHaveLength(2);
  });

  it('leaves out what ignore names, * matching any characters', () => {
    const narrowed = narrowSchemaSnapshot(wide(), {
      ignore: ['audit.*', 'shop.orders.orders_*', 'shop.orders.amount', 'pg*'],
    });
    expect(Object.keys(narrowed.tables)).toEqual(['shop.orders', 'shop.users', '"Sales".orders']);
    const table = narrowed.tables['shop.orders']!;
    expect(table.columns.map((c) => c.name)).toEqual(['id', 'user_id']);
    expect(table.indexes).toEqual([]);
    expect(table.constraints).toEqual([]);
    expect(narrowed.tables['"Sales".orders']!.indexes).toHaveLength(2);
    expect(narrowed.extensions.map((e) => e.name)).toEqual(['plpgsql']);
    expect(narrowed.functions.map((f) => f.signature)).toEqual(['public.f(integer)']);
  });
});
