import type { Queryable } from '../checks/check.js';
import { ConfigError } from '../errors.js';
import { sortByKey } from './capture-scope.js';
import { MANIFEST_VERSION, type Manifest, type ManifestTable } from './manifest-schema.js';
import { readExtensions, readTimescaleFacts } from './read-extensions.js';
import { readMigrations } from './read-migrations.js';
import { readSequences } from './read-sequences.js';
import { countTableRows, listTables } from './read-tables.js';
import { parseColumnName, readTimestamps, type ColumnName } from './read-timestamps.js';
import { fingerprintSchema, fingerprintTables, listTypes } from './schema-fingerprint.js';

export interface CaptureManifestOptions {
  /** `exact`: count(*) of every table; `estimated`: the planner's pg_class.reltuples (a table never analysed is counted). @default 'exact' */
  counts?: 'exact' | 'estimated';
  /** Columns whose newest value is recorded, as `schema.table.column`. @default [] */
  timestampColumns?: string[];
  /** Schemas whose tables, sequences and types are captured (exact names). @default every schema except the system ones */
  schemas?: string[];
  /** A named schema or timestamp column that does not exist: `error` (ConfigError) or `skip` (left out). @default 'error' */
  missing?: 'error' | 'skip';
}

/** One snapshot for every count (REPEATABLE READ), and READ ONLY so PostgreSQL itself refuses any write. */
export const BEGIN_READ_ONLY = 'begin transaction isolation level repeatable read, read only';

/**
 * Reads what a restore of this database should bring back: row counts, newest timestamps, sequences, a schema
 * fingerprint, extensions, TimescaleDB hypertables and migration heads. `db` must be one connection (a
 * transaction spans the queries); nothing is written, and the transaction is always ended.
 */
export async function captureManifest(db: Queryable, options: CaptureManifestOptions = {}): Promise<Manifest> {
  const columns = (options.timestampColumns ?? []).map(parseColumnName);
  const schemas =
    options.schemas && options.schemas.length > 0 ? sortByKey([...new Set(options.schemas)], (s) => s) : null;
  await db.query(BEGIN_READ_ONLY);
  try {
    // Fixed rendering whatever the role's settings: qualified names in definitions, timestamps in UTC.
    await db.query('set local search_path = pg_catalog, pg_temp');
    await db.query("set local timezone = 'UTC'");
    const manifest = await readManifest(db, {
      counts: options.counts ?? 'exact',
      columns,
      schemas,
      missing: options.missing ?? 'error',
    });
    await db.query('commit');
    return manifest;
  } catch (error) {
    await db.query('rollback').catch(() => undefined);
    throw error;
  }
}

interface ReadOptions {
  counts: 'exact' | 'estimated';
  columns: ColumnName[];
  schemas: string[] | null;
  missing: 'error' | 'skip';
}

async function readManifest(db: Queryable, options: ReadOptions): Promise<Manifest> {
  const [server] = await db.query<{ database: string; version: string; version_num: string; now: number | string }>(
    `select current_database() as database, current_setting('server_version') as version,
            current_setting('server_version_num') as version_num, extract(epoch from now())::float8 as now`,
  );
  if (!server) throw new Error('the server answered no row to select current_database()');
  if (options.schemas && options.missing === 'error') await assertSchemasExist(db, options.schemas);
  const listed = await listTables(db, options.schemas);
  const fingerprints = await fingerprintTables(
    db,
    listed.map((t) => t.oid),
  );
  const tables: ManifestTable[] = [];
  for (const table of listed) {
    const counted = await countTableRows(db, table, options.counts);
    tables.push({
      schema: table.schema,
      name: table.name,
      kind: table.kind,
      ...counted,
      fingerprint: fingerprints.get(table.oid)!,
    });
  }
  const types = await listTypes(db, options.schemas);
  const extensions = await readExtensions(db);
  return {
    manifestVersion: MANIFEST_VERSION,
    capturedAt: new Date(Number(server.now) * 1000).toISOString(),
    database: server.database,
    serverVersion: server.version,
    serverVersionNum: Number(server.version_num),
    counts: options.counts,
    schemas: options.schemas,
    tables,
    timestamps: await readTimestamps(db, options.columns, options.missing),
    sequences: await readSequences(db, options.schemas),
    schemaFingerprint: fingerprintSchema(tables, types),
    types,
    extensions,
    timescaledb: await readTimescaleFacts(db, extensions, options.schemas),
    migrations: await readMigrations(db),
  };
}

async function assertSchemasExist(db: Queryable, schemas: string[]): Promise<void> {
  const rows = await db.query<{ name: string; wanted: boolean }>(
    `select nspname as name, nspname = any($1::text[]) as wanted from pg_namespace
     where nspname !~ '^pg_' and nspname <> 'information_schema' order by 1`,
    [schemas],
  );
  const missing = schemas.filter((s) => !rows.some((r) => r.wanted && r.name === s));
  if (missing.length === 0) return;
  const what =
    missing.length === 1 ? `schema ${missing[0]} does not exist` : `schemas ${missing.join(', ')} do not exist`;
  throw new ConfigError('SCHEMA_NOT_FOUND', `${what} in the database`, {
    hint: `schemas found: ${rows.map((r) => r.name).join(', ') || 'none'} (names are exact, case-sensitive)`,
  });
}
