import type { Queryable } from '../checks/check.js';
import { sortByKey } from './capture-scope.js';
import type { Manifest } from './manifest-schema.js';

type Extension = Manifest['extensions'][number];

export async function readExtensions(db: Queryable): Promise<Extension[]> {
  const rows = await db.query<Extension>('select extname as name, extversion as version from pg_extension');
  return sortByKey(rows, (e) => e.name);
}

/** Hypertables and their chunk counts when TimescaleDB is installed in the database; null when it is not. */
export async function readTimescaleFacts(
  db: Queryable,
  extensions: Extension[],
  schemas: string[] | null,
): Promise<Manifest['timescaledb']> {
  const timescale = extensions.find((e) => e.name === 'timescaledb');
  if (!timescale) return null;
  const rows = await db.query<{ schema: string; name: string; chunks: number | string }>(
    `select hypertable_schema::text as schema, hypertable_name::text as name, num_chunks as chunks
     from timescaledb_information.hypertables where $1::text[] is null or hypertable_schema = any($1::text[])`,
    [schemas],
  );
  const hypertables = rows.map((r) => ({ schema: r.schema, name: r.name, chunks: Number(r.chunks) }));
  return { version: timescale.version, hypertables: sortByKey(hypertables, (h) => `${h.schema}\u0000${h.name}`) };
}
