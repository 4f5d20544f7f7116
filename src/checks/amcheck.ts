import { EngineError } from '../errors.js';
import type { Queryable } from './check.js';
import { quoteIdent } from './relation-names.js';
import { isPgError } from './run-check.js';

/** The amcheck extension as found (or installed) in the restored database. */
export interface Amcheck {
  /** Quoted schema holding its functions: calls are qualified, whatever the search_path. */
  schema: string;
  version: string;
  /** verify_heapam() exists from amcheck 1.3 (PostgreSQL 14). */
  hasVerifyHeapam: boolean;
  /** True when this check created it, so that it drops it again. */
  created: boolean;
}

/** One corrupt tuple (or page) as verify_heapam() reports it. */
export interface HeapCorruption {
  block: string;
  offset: number | null;
  attribute: number | null;
  message: string;
}

/** Corrupt tuples listed per relation; a badly damaged table could otherwise yield thousands of lines. */
const LINES_PER_RELATION = 20;

// SQLSTATEs of CREATE EXTENSION when the control file is missing: 58P01 up to PostgreSQL 15, 0A000 from 16.
const NOT_INSTALLED = new Set(['58P01', '0A000']);

/** Finds amcheck, or creates it (the restored database is throwaway); throws when the server lacks contrib. */
export async function installAmcheck(db: Queryable): Promise<Amcheck> {
  const found = await findAmcheck(db);
  if (found) return { ...found, created: false };
  try {
    await db.query('create extension if not exists amcheck');
  } catch (error) {
    if (isPgError(error) && NOT_INSTALLED.has(error.code)) throw await amcheckUnavailable(db, error.message);
    throw error;
  }
  const created = await findAmcheck(db);
  if (!created) throw new Error('amcheck is missing right after CREATE EXTENSION amcheck');
  return { ...created, created: true };
}

/** Drops amcheck if this check created it: later checks (schemaDrift) see the database as it was restored. */
export async function removeAmcheck(db: Queryable, amcheck: Amcheck): Promise<void> {
  if (amcheck.created) await db.query('drop extension if exists amcheck');
}

/** bt_index_check(): raises an ERROR naming the index when a btree invariant does not hold. */
export async function checkBtreeIndex(
  db: Queryable,
  amcheck: Amcheck,
  indexOid: string,
  heapallindexed: boolean,
): Promise<void> {
  await db.query(`select ${amcheck.schema}.bt_index_check($1::oid::regclass, $2::boolean)`, [indexOid, heapallindexed]);
}

/** verify_heapam(), TOAST pointers included: one row per corrupt tuple, none for a sound table. */
export async function verifyHeap(db: Queryable, amcheck: Amcheck, tableOid: string): Promise<HeapCorruption[]> {
  const rows = await db.query<{ blkno: string; offnum: number | null; attnum: number | null; msg: string }>(
    `select blkno::text as blkno, offnum, attnum, msg from ${amcheck.schema}.verify_heapam($1::oid::regclass, check_toast => true)`,
    [tableOid],
  );
  return rows.map((r) => ({ block: r.blkno, offset: r.offnum, attribute: r.attnum, message: r.msg }));
}

/** One line per corrupt tuple: `public.orders block 3 offset 73: <what verify_heapam found>`. */
export function describeHeapCorruption(relation: string, found: HeapCorruption[]): string[] {
  const lines = found.slice(0, LINES_PER_RELATION).map((c) => {
    const offset = c.offset === null ? '' : ` offset ${c.offset}`;
    const attribute = c.attribute === null ? '' : ` attribute ${c.attribute}`;
    return `${relation} block ${c.block}${offset}${attribute}: ${c.message}`;
  });
  const more = found.length - lines.length;
  return more > 0 ? [...lines, `${relation}: ${more} more corrupt tuples not listed`] : lines;
}

async function findAmcheck(db: Queryable): Promise<Omit<Amcheck, 'created'> | undefined> {
  const rows = await db.query<{ schema: string; version: string; heapam: boolean }>(
    `select n.nspname as schema, e.extversion as version,
            exists (select from pg_proc p where p.pronamespace = n.oid and p.proname = 'verify_heapam') as heapam
     from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'amcheck'`,
  );
  const row = rows[0];
  return row ? { schema: quoteIdent(row.schema), version: row.version, hasVerifyHeapam: row.heapam } : undefined;
}

async function amcheckUnavailable(db: Queryable, reason: string): Promise<EngineError> {
  const [row] = await db.query<{ major: string }>(
    `select (current_setting('server_version_num')::int / 10000)::text as major`,
  );
  const major = row?.major ?? '<major>';
  return new EngineError(
    'AMCHECK_UNAVAILABLE',
    `the amcheck extension is not installed on this PostgreSQL ${major} server: ${reason}`,
    {
      hint:
        `install the server's contrib modules: they are part of the postgresql-${major} package on Debian and Ubuntu, ` +
        `of postgresql${major}-contrib on RHEL (PGDG) and Alpine; the official Docker images include them`,
    },
  );
}
