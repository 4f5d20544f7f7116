import type { Queryable } from '../check.js';
import type { QualifiedName } from '../relation-names.js';

export interface HypertableFacts {
  chunks: number;
  compressedChunks: number;
  /** Earliest range_start and latest range_end of the chunks (timestamp dimensions; null for integer time). */
  from: string | null;
  to: string | null;
  compressionEnabled: boolean;
  segmentby: string[];
  orderby: string[];
}

/** The installed TimescaleDB version in this database, or undefined when the extension is absent. */
export async function timescaleVersion(db: Queryable): Promise<string | undefined> {
  const rows = await db.query<{ extversion: string }>(
    `select extversion from pg_extension where extname = 'timescaledb'`,
  );
  return rows[0]?.extversion;
}

/** Facts from timescaledb_information; undefined when the relation is not a hypertable. */
export async function readHypertable(db: Queryable, name: QualifiedName): Promise<HypertableFacts | undefined> {
  const params = [name.schema, name.name];
  const found = await db.query<{ compression_enabled: boolean }>(
    'select compression_enabled from timescaledb_information.hypertables where hypertable_schema = $1 and hypertable_name = $2',
    params,
  );
  if (found.length === 0) return undefined;
  const [chunks] = await db.query<{
    chunks: string;
    compressed: string;
    range_from: string | null;
    range_to: string | null;
  }>(
    `select count(*)::text as chunks, count(*) filter (where is_compressed)::text as compressed,
            min(range_start)::text as range_from, max(range_end)::text as range_to
       from timescaledb_information.chunks where hypertable_schema = $1 and hypertable_name = $2`,
    params,
  );
  const [settings] = await db.query<{ segmentby: string | null; orderby: string | null }>(
    `select segmentby, orderby from timescaledb_information.hypertable_compression_settings
      where hypertable = format('%I.%I', $1::text, $2::text)::regclass`,
    params,
  );
  return {
    chunks: Number(chunks?.chunks ?? 0),
    compressedChunks: Number(chunks?.compressed ?? 0),
    from: chunks?.range_from ?? null,
    to: chunks?.range_to ?? null,
    compressionEnabled: found[0]!.compression_enabled,
    segmentby: splitList(settings?.segmentby),
    orderby: splitList(settings?.orderby),
  };
}

/** Whether the chunks' [from, to) span covers the window; compared by PostgreSQL, which parses the timestamps. */
export async function coversRange(
  db: Queryable,
  facts: HypertableFacts,
  window: { from?: string; to?: string },
): Promise<boolean> {
  if (facts.from === null || facts.to === null) return false;
  const [row] = await db.query<{ covers: boolean }>(
    'select ($1::timestamptz is null or $3::timestamptz <= $1::timestamptz) and ($2::timestamptz is null or $4::timestamptz >= $2::timestamptz) as covers',
    [window.from ?? null, window.to ?? null, facts.from, facts.to],
  );
  return row?.covers === true;
}

const splitList = (text: string | null | undefined): string[] =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
