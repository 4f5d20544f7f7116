import { z } from 'zod';
import {
  checkBtreeIndex,
  describeHeapCorruption,
  installAmcheck,
  removeAmcheck,
  verifyHeap,
  type Amcheck,
} from './amcheck.js';
import { defineCheck, type CheckOutcome, type Queryable } from './check.js';
import { runIntegritySteps, type IntegrityStep, type StepsResult } from './integrity-steps.js';
import { listIntegrityTargets, type IntegrityTargets } from './integrity-targets.js';
import { displayIdent } from './relation-names.js';

const integrityOptions = z.strictObject({
  schemas: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'Schemas whose tables and indexes are verified (exact names). Default: every schema except the system ones.',
    ),
  heapallindexed: z
    .boolean()
    .default(true)
    .describe('bt_index_check also proves that every row has its index entry (one more read of the table per index).'),
  heap: z
    .boolean()
    .default(true)
    .describe(
      'Verify every table and its TOAST table with verify_heapam (amcheck on PostgreSQL 14+); each corrupt tuple is named by block and offset.',
    ),
  readAll: z
    .boolean()
    .default(true)
    .describe('Read every row of every table in full, detoasting and formatting every column value.'),
  maxRelations: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Verify at most this many tables (each with its TOAST table and indexes), in name order; the rest are listed as not verified. Default: all.',
    ),
});

export type IntegrityOptions = z.output<typeof integrityOptions>;

export const integrityCheck = defineCheck({
  type: 'integrity',
  description:
    'Verifies the restored pages with amcheck (bt_index_check on every btree index, verify_heapam on every table), reads every row in full, and reports whether data checksums are on.',
  options: integrityOptions,
  label: (options) => (options.schemas ? `integrity in ${options.schemas.map(displayIdent).join(', ')}` : 'integrity'),
  async run({ db: readOnly, admin, signal }, options) {
    const db = admin ?? readOnly;
    const amcheck = await installAmcheck(db);
    try {
      const targets = await listIntegrityTargets(db, options);
      const totals = { rows: 0 };
      const result = await runIntegritySteps(db, planSteps(db, amcheck, targets, options, totals), signal);
      const checksums = result.lost ? 'unknown (connection lost)' : await describeChecksums(db);
      return judge(result, targets, { amcheck, options, checksums, rowsRead: totals.rows });
    } finally {
      // After a crash the connection is gone and cannot drop it; the verdict matters more than the cleanup.
      await removeAmcheck(db, amcheck).catch(() => undefined);
    }
  },
});

// verify_heapam is built to survive any page content; bt_index_check and a plain read are not (a garbage
// page can crash the server process and the connection with it), so they run after it.
function planSteps(
  db: Queryable,
  amcheck: Amcheck,
  targets: IntegrityTargets,
  options: IntegrityOptions,
  totals: { rows: number },
): IntegrityStep[] {
  const steps: IntegrityStep[] = [];
  if (options.heap && amcheck.hasVerifyHeapam) {
    for (const table of targets.tables.flatMap((t) => (t.toast ? [t, t.toast] : [t]))) {
      const run = async () => describeHeapCorruption(table.name, await verifyHeap(db, amcheck, table.oid));
      steps.push({ kind: 'heap', relation: table.name, subject: table.name, action: 'verify_heapam', run });
    }
  }
  for (const index of targets.indexes.filter((i) => i.valid)) {
    const run = async () => (await checkBtreeIndex(db, amcheck, index.oid, options.heapallindexed), []);
    steps.push({
      kind: 'index',
      relation: index.name,
      subject: `index ${index.name} on ${index.table}`,
      action: 'bt_index_check',
      run,
    });
  }
  if (options.readAll) {
    for (const table of targets.tables.filter((t) => t.populated)) {
      const run = async () => {
        totals.rows += await readTable(db, table.quoted);
        return [];
      };
      steps.push({ kind: 'read', relation: table.name, subject: table.name, action: 'the full read', run });
    }
  }
  return steps;
}

// The row as text passes every column through its output function, detoasting each value; the sum keeps the
// planner from skipping it (a bare count(*) would not look at the columns at all).
async function readTable(db: Queryable, quotedTable: string): Promise<number> {
  const [row] = await db.query<{ rows: string }>(
    `select count(*)::text as rows, sum(octet_length(r::text))::text as bytes from only ${quotedTable} r`,
  );
  return Number(row?.rows ?? 0);
}

async function describeChecksums(db: Queryable): Promise<string> {
  const [row] = await db.query<{ setting: string; failures: string | null }>(
    `select current_setting('data_checksums') as setting,
            (select checksum_failures::text from pg_stat_database where datname = current_database()) as failures`,
  );
  if (row?.setting !== 'on') return 'off';
  return `on (${plural(Number(row.failures ?? 0), 'checksum failure')} counted in this database)`;
}

interface RunFacts {
  amcheck: Amcheck;
  options: IntegrityOptions;
  checksums: string;
  rowsRead: number;
}

function judge(result: StepsResult, targets: IntegrityTargets, run: RunFacts): CheckOutcome {
  const { done } = result;
  const checked = [
    `checked ${plural(done.index, 'btree index', 'btree indexes')}${run.options.heapallindexed ? ' (heapallindexed)' : ''}`,
    `${plural(done.heap, 'table')} (TOAST included) with verify_heapam`,
    `read ${plural(done.read, 'table')} in full (${plural(run.rowsRead, 'row')})`,
  ].join(', ');
  const details = [...result.problems, ...describeNotes(result, targets, run)];
  const expected = 'no corruption found by amcheck or a full read';
  if (result.problems.length === 0) {
    return {
      status: 'passed',
      message: `no corruption: ${checked}; data checksums ${run.checksums}`,
      expected,
      actual: 'no problems',
      details,
    };
  }
  const actual = `${plural(result.problems.length, 'problem')} in ${listSome(result.damaged)}`;
  return {
    status: 'failed',
    message: `${actual}; ${checked}; data checksums ${run.checksums}`,
    expected,
    actual,
    details,
  };
}

function describeNotes(result: StepsResult, targets: IntegrityTargets, run: RunFacts): string[] {
  const notes: string[] = [];
  if (result.lost) notes.push(`not run after the connection was lost: ${plural(result.lost.notRun, 'step')}`);
  for (const index of targets.indexes.filter((i) => !i.valid))
    notes.push(`not verified: index ${index.name} on ${index.table} is not valid`);
  if (targets.notVerified.length > 0) {
    notes.push(`not verified (maxRelations ${run.options.maxRelations}): ${listSome(targets.notVerified, 10)}`);
  }
  if (run.options.heap && !run.amcheck.hasVerifyHeapam) {
    notes.push(`tables not verified: amcheck ${run.amcheck.version} has no verify_heapam (PostgreSQL 14 and later)`);
  }
  const origin = !run.amcheck.created
    ? 'already installed'
    : result.lost
      ? 'created for this check; left behind, the connection was lost'
      : 'created for this check and dropped after it';
  notes.push(`amcheck ${run.amcheck.version} in schema ${run.amcheck.schema} (${origin})`);
  return notes;
}

function listSome(names: string[], shown = 3): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
