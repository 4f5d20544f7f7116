import type { Queryable } from './check.js';
import { formatQualifiedName, quoteQualifiedName, userSchemaCondition } from './relation-names.js';

/** A relation amcheck reads: `oid` for the calls, `name` for messages. */
export interface Relation {
  oid: string;
  name: string;
}

export interface TableTarget extends Relation {
  /** Quoted `schema.table` for the full read. */
  quoted: string;
  /** An unpopulated materialized view cannot be read (it has no data). */
  populated: boolean;
  toast?: Relation;
}

export interface IndexTarget extends Relation {
  /** The table it indexes, e.g. `public.orders` or `the TOAST table of public.orders`. */
  table: string;
  /** indisvalid and indisready: amcheck refuses anything else. */
  valid: boolean;
}

export interface IntegrityTargets {
  tables: TableTarget[];
  indexes: IndexTarget[];
  /** Tables in scope left out by maxRelations. */
  notVerified: string[];
}

// Tables and materialized views (partitioned tables hold no data, their partitions are listed), with TOAST.
const LIST_TABLES = `
select c.oid::int8::text as oid, n.nspname as schema, c.relname as name, c.relispopulated as populated,
       t.oid::int8::text as toast_oid, tn.nspname as toast_schema, t.relname as toast_name
from pg_class c join pg_namespace n on n.oid = c.relnamespace
left join pg_class t on t.oid = c.reltoastrelid left join pg_namespace tn on tn.oid = t.relnamespace
where c.relkind in ('r', 'm') and (case when $1::text[] is null then ${userSchemaCondition('n.nspname')} else n.nspname = any($1) end)
order by n.nspname collate "C", c.relname collate "C"`;

// Every btree index on those tables and on their TOAST tables (detoasting goes through the TOAST index).
const LIST_INDEXES = `
select i.indexrelid::int8::text as oid, n.nspname as schema, c.relname as name, i.indrelid::int8::text as table_oid,
       i.indisvalid and i.indisready as valid
from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
join pg_am am on am.oid = c.relam
where am.amname = 'btree' and i.indrelid = any($1::oid[])
order by n.nspname collate "C", c.relname collate "C"`;

interface TableRow {
  oid: string;
  schema: string;
  name: string;
  populated: boolean;
  toast_oid: string | null;
  toast_schema: string | null;
  toast_name: string | null;
}

/** The tables in scope, in name order, at most maxRelations of them, and the btree indexes on those. */
export async function listIntegrityTargets(
  db: Queryable,
  scope: { schemas?: string[]; maxRelations?: number },
): Promise<IntegrityTargets> {
  const rows = await db.query<TableRow>(LIST_TABLES, [scope.schemas ?? null]);
  const kept = scope.maxRelations === undefined ? rows : rows.slice(0, scope.maxRelations);
  const tables = kept.map(toTableTarget);
  const owners = new Map<string, string>();
  for (const table of tables) {
    owners.set(table.oid, table.name);
    if (table.toast) owners.set(table.toast.oid, `the TOAST table of ${table.name}`);
  }
  const indexRows = await db.query<{ oid: string; schema: string; name: string; table_oid: string; valid: boolean }>(
    LIST_INDEXES,
    [[...owners.keys()]],
  );
  const indexes = indexRows.map((r) => ({
    oid: r.oid,
    name: formatQualifiedName({ schema: r.schema, name: r.name }),
    table: owners.get(r.table_oid) ?? `relation ${r.table_oid}`,
    valid: r.valid,
  }));
  const notVerified = rows.slice(kept.length).map((r) => formatQualifiedName(r));
  return { tables, indexes, notVerified };
}

function toTableTarget(row: TableRow): TableTarget {
  const name = formatQualifiedName(row);
  const toast =
    row.toast_oid === null
      ? undefined
      : {
          oid: row.toast_oid,
          name: `${formatQualifiedName({ schema: row.toast_schema!, name: row.toast_name! })} (TOAST of ${name})`,
        };
  return { oid: row.oid, name, quoted: quoteQualifiedName(row), populated: row.populated, toast };
}
