import { OWNED_SEQUENCES_FROM } from '../checks/owned-sequences-sql.js';
import type { Queryable } from '../checks/check.js';
import { quoteQualifiedName } from '../checks/relation-names.js';
import { notExtensionMember, schemaInScope, sortByKey } from './capture-scope.js';
import type { ManifestSequence } from './manifest-schema.js';

// Every sequence in scope with the column that owns it (serial: deptype 'a'; identity: deptype 'i').
const LIST_SEQUENCES = `
select sn.nspname as schema, s.relname as name, ps.seqincrement::text as increment,
       tn.nspname as table_schema, t.relname as table_name, a.attname as column_name
${OWNED_SEQUENCES_FROM}
where s.relkind = 'S' and ${schemaInScope('sn.nspname')} and ${notExtensionMember('pg_class', 's.oid')}`;

interface SequenceRow {
  schema: string;
  name: string;
  increment: string;
  table_schema: string | null;
  table_name: string | null;
  column_name: string | null;
}

/** last_value and is_called of every sequence in scope, read from the sequence itself (pg_sequences hides them without privileges). */
export async function readSequences(db: Queryable, schemas: string[] | null): Promise<ManifestSequence[]> {
  const rows = sortByKey(await db.query<SequenceRow>(LIST_SEQUENCES, [schemas]), (r) => `${r.schema}\u0000${r.name}`);
  const sequences: ManifestSequence[] = [];
  for (const row of rows) {
    const [state] = await db.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text as last_value, is_called from ${quoteQualifiedName(row)}`,
    );
    if (!state) throw new Error(`sequence ${row.schema}.${row.name} returned no row`);
    const owned = row.table_schema !== null && row.table_name !== null && row.column_name !== null;
    sequences.push({
      schema: row.schema,
      name: row.name,
      lastValue: state.last_value,
      isCalled: state.is_called,
      increment: row.increment,
      ownedBy: owned ? { schema: row.table_schema!, table: row.table_name!, column: row.column_name! } : null,
    });
  }
  return sequences;
}
