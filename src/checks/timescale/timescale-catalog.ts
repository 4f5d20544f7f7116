import { setTimeout as delay } from 'node:timers/promises';
import type { Queryable } from '../check.js';
import { quoteIdent, quoteQualifiedName, type QualifiedName } from '../relation-names.js';

export async function isContinuousAggregate(db: Queryable, name: QualifiedName): Promise<boolean> {
  const rows = await db.query(
    'select 1 from timescaledb_information.continuous_aggregates where view_schema = $1 and view_name = $2',
    [name.schema, name.name],
  );
  return rows.length > 0;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

// refresh_continuous_aggregate refuses to run inside a transaction block, so the window is inlined (no bind).
// After timescaledb_post_restore() the scheduler may run the aggregate's own refresh policy at that moment:
// a concurrent refresh is waited out (up to ~10 s), any other error is the answer.
export async function refreshContinuousAggregate(
  db: Queryable,
  name: QualifiedName,
  window: { start: string; end: string },
): Promise<string | undefined> {
  const sql = `call refresh_continuous_aggregate(${literal(quoteQualifiedName(name))}, ${literal(window.start)}::timestamptz, ${literal(window.end)}::timestamptz)`;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query(sql);
      return undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/concurrent refresh/.test(message) || attempt >= 20) return message;
      await delay(500);
    }
  }
}

export interface JobFacts {
  id: number;
  owner: string;
  ownerExists: boolean;
}

/** User-defined jobs and policies (ids below 1000 are TimescaleDB's own, e.g. telemetry). */
export async function readJobs(db: Queryable): Promise<JobFacts[]> {
  const rows = await db.query<{ job_id: number; owner: string; owner_exists: boolean }>(
    `select j.job_id, j.owner::text as owner, exists (select 1 from pg_roles r where r.oid = j.owner::oid) as owner_exists
       from timescaledb_information.jobs j where j.job_id >= 1000 order by j.job_id`,
  );
  return rows.map((r) => ({ id: Number(r.job_id), owner: r.owner, ownerExists: r.owner_exists }));
}

export interface SequenceLag {
  sequence: string;
  column: string;
  lastValue: number;
  maxId: number;
}

// A restore that skips the catalog sequences' values hands out ids that already exist: the next
// create_hypertable or new chunk then fails with a duplicate key.
export async function findLaggingCatalogSequences(db: Queryable): Promise<{ checked: number; lagging: SequenceLag[] }> {
  const owned = await db.query<{ seq: string; tbl: string; col: string }>(
    `select format('%I.%I', sn.nspname, s.relname) as seq, format('%I.%I', tn.nspname, t.relname) as tbl, a.attname as col
       from pg_depend d
       join pg_class s on s.oid = d.objid and s.relkind = 'S' join pg_namespace sn on sn.oid = s.relnamespace
       join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
       join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
      where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
        and tn.nspname = '_timescaledb_catalog' order by 1`,
  );
  const lagging: SequenceLag[] = [];
  for (const { seq, tbl, col } of owned) {
    const [state] = await db.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text, is_called from ${seq}`,
    );
    const [max] = await db.query<{ max: string | null }>(`select max(${quoteIdent(col)})::text as max from ${tbl}`);
    const next = Number(state?.last_value ?? 0) + (state?.is_called ? 1 : 0);
    const maxId = Number(max?.max ?? 0);
    if (max?.max !== null && max?.max !== undefined && next <= maxId)
      lagging.push({ sequence: seq, column: `${tbl}.${col}`, lastValue: Number(state?.last_value ?? 0), maxId });
  }
  return { checked: owned.length, lagging };
}
