import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Queryable } from './check.js';
import { formatQualifiedName } from './relation-names.js';
import {
  LIST_COLUMNS,
  LIST_CONSTRAINTS,
  LIST_EXTENSIONS,
  LIST_FUNCTIONS,
  LIST_INDEXES,
} from './schema-snapshot-queries.js';

const text = () => z.string();

/** The file format: what a schemaDrift check compares the restored database with. */
export const schemaSnapshotSchema = z.strictObject({
  version: z.literal(1),
  /** Keyed `schema.table` (quoted where SQL needs it), in name order. */
  tables: z.record(
    text(),
    z.strictObject({
      columns: z.array(
        z.strictObject({ name: text(), type: text(), nullable: z.boolean(), default: text().nullable() }),
      ),
      indexes: z.array(z.strictObject({ name: text(), definition: text() })),
      constraints: z.array(z.strictObject({ name: text(), type: text(), definition: text() })),
    }),
  ),
  extensions: z.array(z.strictObject({ name: text(), version: text() })),
  functions: z.array(z.strictObject({ signature: text(), resultType: text(), language: text() })),
});

export type SchemaSnapshot = z.output<typeof schemaSnapshotSchema>;
export type TableSnapshot = SchemaSnapshot['tables'][string];

const CONSTRAINT_TYPES: Record<string, string> = {
  p: 'primary key',
  u: 'unique',
  f: 'foreign key',
  c: 'check',
  x: 'exclusion',
  t: 'trigger',
};

type Named = { schema: string; table: string };

/**
 * Reads the catalogs into a snapshot (tables, views, columns, indexes, constraints, extensions, functions; objects
 * that belong to an extension are covered by its version). Names are in "C" order, so the same schema always
 * gives the same JSON.
 */
export async function captureSchemaSnapshot(db: Queryable, schemas?: string[]): Promise<SchemaSnapshot> {
  return withCatalogSearchPath(db, async () => {
    const scope = [schemas ?? null];
    const tables: SchemaSnapshot['tables'] = {};
    const tableOf = (row: Named) =>
      (tables[formatQualifiedName({ schema: row.schema, name: row.table })] ??= {
        columns: [],
        indexes: [],
        constraints: [],
      });
    type ColumnRow = Named & { name: string | null; type: string; nullable: boolean; default: string | null };
    for (const row of await db.query<ColumnRow>(LIST_COLUMNS, scope)) {
      const table = tableOf(row);
      if (row.name !== null)
        table.columns.push({ name: row.name, type: row.type, nullable: row.nullable, default: row.default });
    }
    for (const row of await db.query<Named & { name: string; definition: string }>(LIST_INDEXES, scope)) {
      tableOf(row).indexes.push({ name: row.name, definition: row.definition });
    }
    for (const row of await db.query<Named & { name: string; type: string; definition: string }>(
      LIST_CONSTRAINTS,
      scope,
    )) {
      tableOf(row).constraints.push({
        name: row.name,
        type: CONSTRAINT_TYPES[row.type] ?? row.type,
        definition: row.definition,
      });
    }
    const extensions = await db.query<{ name: string; version: string }>(LIST_EXTENSIONS);
    type FunctionRow = { schema: string; name: string; args: string; result_type: string; language: string };
    const functions = (await db.query<FunctionRow>(LIST_FUNCTIONS, scope)).map((row) => ({
      signature: `${formatQualifiedName(row)}(${row.args})`,
      resultType: row.result_type,
      language: row.language,
    }));
    return { version: 1, tables, extensions, functions };
  });
}

/** Captures a snapshot and writes it as JSON (for the source database, before backups are drilled). */
export async function writeSchemaSnapshot(
  db: Queryable,
  file: string,
  options: { schemas?: string[] } = {},
): Promise<SchemaSnapshot> {
  const snapshot = await captureSchemaSnapshot(db, options.schemas);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(snapshot, null, 2)}\n`);
  return snapshot;
}

/** Reads and validates a snapshot file; every way it can be wrong is a ConfigError naming the file. */
export async function readSchemaSnapshot(file: string): Promise<SchemaSnapshot> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(
      missing ? 'SCHEMA_SNAPSHOT_NOT_FOUND' : 'SCHEMA_SNAPSHOT_UNREADABLE',
      `cannot read schema snapshot ${file}: ${String(error)}`,
      {
        hint: 'capture it from the source database with writeSchemaSnapshot(), and give its path relative to the suite file',
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    throw new ConfigError(
      'SCHEMA_SNAPSHOT_INVALID',
      `schema snapshot ${file} is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = schemaSnapshotSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(
    'SCHEMA_SNAPSHOT_INVALID',
    `schema snapshot ${file} is not a version 1 snapshot (${details.length} problems)`,
    {
      hint: 'write it again with writeSchemaSnapshot()',
      details,
    },
  );
}

// format_type() and pg_get_*def() leave out the schema of whatever is on the search_path: with pg_catalog alone
// every user name is qualified, so the snapshot does not depend on the session that took it.
async function withCatalogSearchPath<T>(db: Queryable, fn: () => Promise<T>): Promise<T> {
  const [saved] = await db.query<{ path: string }>(`select current_setting('search_path') as path`);
  await db.query(`select set_config('search_path', 'pg_catalog', false)`);
  try {
    return await fn();
  } finally {
    await db.query(`select set_config('search_path', $1, false)`, [saved?.path ?? '"$user", public']);
  }
}
