import type { Queryable } from '../checks/check.js';
import type { CheckResult } from '../results.js';

/**
 * After a table-level restore, what was chosen must be there and nothing else: the "table-level restore"
 * of runbooks is only proven when the rest is absent by design, not by accident.
 */
export async function checkRestoreScope(
  db: Queryable,
  only: { tables?: string[]; schemas?: string[] },
  dumpedTables: string[],
): Promise<CheckResult> {
  const started = Date.now();
  const rows = await db.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`,
  );
  const restored = rows.map((r) => r.name);
  const qualify = (t: string) => (t.includes('.') ? t : `public.${t}`);
  const wanted = only.tables?.map(qualify) ?? dumpedTables.filter((t) => only.schemas?.includes(t.split('.')[0]!));
  const missing = wanted.filter((t) => !restored.includes(t));
  const extra = restored.filter((t) => !wanted.includes(t));
  const ok = missing.length === 0 && extra.length === 0;
  return {
    name: 'restore scope',
    type: 'scope',
    status: ok ? 'passed' : 'failed',
    expected: wanted.join(', ') || '(none)',
    actual: restored.join(', ') || '(none)',
    message: ok
      ? `exactly the ${wanted.length} selected table${wanted.length === 1 ? '' : 's'} restored; the other ${Math.max(0, dumpedTables.length - wanted.length)} of the dump are absent`
      : [
          missing.length ? `selected but not restored: ${missing.join(', ')}` : '',
          extra.length ? `restored but not selected: ${extra.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
    durationMs: Date.now() - started,
  };
}
