import type { Queryable } from './check.js';
import {
  displayIdent,
  formatQualifiedName,
  quoteIdent,
  quoteQualifiedName,
  userSchemaCondition,
} from './relation-names.js';

/** A validated foreign key as the catalog describes it. */
export interface ForeignKey {
  name: string;
  child: { schema: string; name: string; partitioned: boolean };
  parent: { schema: string; name: string; partitioned: boolean };
  childColumns: string[];
  parentColumns: string[];
  /** `f` MATCH FULL, `s` MATCH SIMPLE (the default), `p` MATCH PARTIAL (not implemented by PostgreSQL). */
  matchType: string;
}

interface ForeignKeyRow {
  name: string;
  child_schema: string;
  child_table: string;
  child_kind: string;
  parent_schema: string;
  parent_table: string;
  parent_kind: string;
  match_type: string;
  child_columns: string[];
  parent_columns: string[];
}

// Only top-level constraints (conparentid = 0): a partitioned table's clones are covered by its parent's query.
// NOT VALID keys are left out: they make no promise (and the schema check reports them on their own).
const LIST_FOREIGN_KEYS = `
select con.conname as name, cn.nspname as child_schema, c.relname as child_table, c.relkind as child_kind,
       pn.nspname as parent_schema, p.relname as parent_table, p.relkind as parent_kind, con.confmatchtype as match_type,
       array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, i)
             join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.i) as child_columns,
       array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, i)
             join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.i) as parent_columns
from pg_constraint con
join pg_class c on c.oid = con.conrelid join pg_namespace cn on cn.oid = c.relnamespace
join pg_class p on p.oid = con.confrelid join pg_namespace pn on pn.oid = p.relnamespace
where con.contype = 'f' and con.convalidated and con.conparentid = 0 and ${userSchemaCondition('cn.nspname')}
order by cn.nspname, c.relname, con.conname`;

export async function listForeignKeys(db: Queryable): Promise<ForeignKey[]> {
  const rows = await db.query<ForeignKeyRow>(LIST_FOREIGN_KEYS);
  return rows.map((row) => ({
    name: row.name,
    child: { schema: row.child_schema, name: row.child_table, partitioned: row.child_kind === 'p' },
    parent: { schema: row.parent_schema, name: row.parent_table, partitioned: row.parent_kind === 'p' },
    childColumns: row.child_columns,
    parentColumns: row.parent_columns,
    matchType: row.match_type,
  }));
}

/**
 * One anti-join counting the child rows the key says cannot exist. Like PostgreSQL's own RI check it reads
 * ONLY the tables themselves (inheritance children are not bound by the key) except for partitioned tables.
 */
export function buildOrphanQuery(fk: ForeignKey): string {
  const from = (table: ForeignKey['child']) => `${table.partitioned ? '' : 'only '}${quoteQualifiedName(table)}`;
  const childColumns = fk.childColumns.map((c) => `child.${quoteIdent(c)}`);
  const matches = childColumns.map((c, i) => `parent.${quoteIdent(fk.parentColumns[i] ?? '')} = ${c}`).join(' and ');
  const allSet = childColumns.map((c) => `${c} is not null`).join(' and ');
  const missingParent = `(${allSet}) and not exists (select 1 from ${from(fk.parent)} parent where ${matches})`;
  // MATCH FULL also forbids a key that is partly null; MATCH SIMPLE exempts any row with a null in the key.
  const partlyNull = `not ((${childColumns.map((c) => `${c} is null`).join(' and ')}) or (${allSet}))`;
  const condition = fk.matchType === 'f' ? `(${missingParent}) or ${partlyNull}` : missingParent;
  return `select count(*)::text as orphans from ${from(fk.child)} child where ${condition}`;
}

export async function countOrphans(db: Queryable, fk: ForeignKey): Promise<number> {
  const rows = await db.query<{ orphans: string }>(buildOrphanQuery(fk));
  return Number(rows[0]?.orphans ?? 0);
}

/** `orders_customer_fk: 3 rows of public.orders (customer_id) have no match in public.customers (id)` */
export function describeOrphans(fk: ForeignKey, orphans: number): string {
  const columns = (list: string[]) => list.map(displayIdent).join(', ');
  const rows = orphans === 1 ? '1 row' : `${orphans} rows`;
  return (
    `foreign key ${displayIdent(fk.name)}: ${rows} of ${formatQualifiedName(fk.child)} (${columns(fk.childColumns)}) ` +
    `${orphans === 1 ? 'has' : 'have'} no match in ${formatQualifiedName(fk.parent)} (${columns(fk.parentColumns)})`
  );
}
