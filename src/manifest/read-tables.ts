import type { Queryable } from '../checks/check.js';
import { quoteQualifiedName } from '../checks/relation-names.js';
import { notExtensionMember, schemaInScope, sortByKey } from './capture-scope.js';
import type { ManifestTable } from './manifest-schema.js';

/** A table in scope as the catalog lists it, before counting. */
export interface ListedTable {
  oid: string;
  schema: string;
  name: string;
  kind: ManifestTable['kind'];
  populated: boolean;
  reltuples: number;
}

const KINDS: Record<string, ManifestTable['kind']> = { r: 'table', p: 'partitioned table', m: 'materialized view' };

// Views and foreign tables are left out: counting them re-runs a query or reads another server.
const LIST_TABLES = `
select c.oid::int8::text as oid, n.nspname as schema, c.relname as name, c.relkind as relkind,
       c.relispopulated as populated, c.reltuples::float8 as reltuples
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm') and ${schemaInScope('n.nspname')} and ${notExtensionMember('pg_class', 'c.oid')}`;

export async function listTables(db: Queryable, schemas: string[] | null): Promise<ListedTable[]> {
  const rows = await db.query<{
    oid: string;
    schema: string;
    name: string;
    relkind: string;
    populated: boolean;
    reltuples: number;
  }>(LIST_TABLES, [schemas]);
  const tables = rows.map((r) => ({ ...r, kind: KINDS[r.relkind] ?? 'table', reltuples: Number(r.reltuples) }));
  return sortByKey(tables, (t) => `${t.schema}\u0000${t.name}`);
}

/**
 * Rows of one table as `select count(*)` sees them, or with `estimated` the planner's reltuples when the
 * table was ever analysed. Not ONLY: a TimescaleDB hypertable keeps every row in its chunks (child tables
 * in an internal schema). Null when there is nothing to count: a partitioned parent (its partitions are
 * listed and counted themselves) or an unpopulated materialized view.
 */
export async function countTableRows(
  db: Queryable,
  table: ListedTable,
  counts: 'exact' | 'estimated',
): Promise<{ rows: number | null; rowsEstimated: boolean }> {
  if (table.kind === 'partitioned table' || !table.populated) return { rows: null, rowsEstimated: false };
  // reltuples is -1 until the first ANALYZE (and 0 can mean "never vacuumed" before PG14): count those.
  if (counts === 'estimated' && table.reltuples > 0) return { rows: Math.round(table.reltuples), rowsEstimated: true };
  const [row] = await db.query<{ count: string }>(`select count(*)::text as count from ${quoteQualifiedName(table)}`);
  return { rows: Number(row?.count ?? 0), rowsEstimated: false };
}
