import type { Queryable } from '../checks/check.js';
import { quoteQualifiedName, userSchemaCondition } from '../checks/relation-names.js';
import { sortByKey } from './capture-scope.js';
import type { ManifestMigration, MigrationTool } from './manifest-schema.js';

/** Where each migration tool keeps its history, and how its newest entry is found. */
interface HistoryTable {
  tool: MigrationTool;
  table: string;
  /** Fixed schema (drizzle); otherwise any user schema, since most tools make theirs configurable. */
  schema?: string;
  /** Columns the query needs: a same-named table of another shape is not this tool's. */
  columns: string[];
  head: string;
  newestFirst: string;
}

const HISTORY_TABLES: HistoryTable[] = [
  {
    tool: 'flyway',
    table: 'flyway_schema_history',
    columns: ['installed_rank', 'version', 'script'],
    head: 'coalesce(version, script)',
    newestFirst: 'installed_rank desc',
  },
  { tool: 'knex', table: 'knex_migrations', columns: ['id', 'name'], head: 'name', newestFirst: 'id desc' },
  { tool: 'node-pg-migrate', table: 'pgmigrations', columns: ['id', 'name'], head: 'name', newestFirst: 'id desc' },
  {
    tool: 'prisma',
    table: '_prisma_migrations',
    columns: ['migration_name', 'started_at'],
    head: 'migration_name',
    newestFirst: 'started_at desc, migration_name desc',
  },
  {
    tool: 'drizzle',
    table: '__drizzle_migrations',
    schema: 'drizzle',
    columns: ['id', 'hash', 'created_at'],
    head: 'hash',
    newestFirst: 'created_at desc, id desc',
  },
];

// Tables with the tool's name and every column its query needs, in the tool's schema or any user schema.
const FIND_HISTORY = `
select n.nspname as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relname = $1 and c.relkind in ('r', 'p') and (n.nspname = $2::text or ($2::text is null and ${userSchemaCondition('n.nspname')}))
  and (select count(*) from pg_attribute a where a.attrelid = c.oid and a.attname = any($3::text[]) and not a.attisdropped) = cardinality($3::text[])`;

/** The history table of every migration tool found, with its row count and newest entry. */
export async function readMigrations(db: Queryable): Promise<ManifestMigration[]> {
  const found: ManifestMigration[] = [];
  for (const history of HISTORY_TABLES) {
    const places = await db.query<{ schema: string }>(FIND_HISTORY, [
      history.table,
      history.schema ?? null,
      history.columns,
    ]);
    for (const { schema } of sortByKey(places, (p) => p.schema)) {
      const table = quoteQualifiedName({ schema, name: history.table });
      const [row] = await db.query<{ count: string; head: string | null }>(
        `select (select count(*) from ${table})::text as count,
                (select (${history.head})::text from ${table} order by ${history.newestFirst} limit 1) as head`,
      );
      found.push({
        tool: history.tool,
        schema,
        table: history.table,
        count: Number(row?.count ?? 0),
        head: row?.head ?? null,
      });
    }
  }
  return found;
}
