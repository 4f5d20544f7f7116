import { userSchemaCondition } from '../checks/relation-names.js';

/**
 * SQL condition on a schema-name column: the schemas in `$1` (text[]), or when `$1` is null every schema
 * except the system ones and TimescaleDB's internal ones (its chunks would count every row twice).
 */
export function schemaInScope(column: string): string {
  return `(case when $1::text[] is null then ${userSchemaCondition(column)} and ${column} !~ '^_?timescaledb_' else ${column} = any($1::text[]) end)`;
}

/** SQL condition: the object is not part of an extension (its contents follow the extension's version). */
export function notExtensionMember(catalog: 'pg_class' | 'pg_type', oidColumn: string): string {
  return `not exists (select from pg_depend e where e.classid = '${catalog}'::regclass and e.objid = ${oidColumn} and e.deptype = 'e')`;
}

/** Sorts by a key with a fixed, locale-independent order, so the manifest is byte-identical for the same database. */
export function sortByKey<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
