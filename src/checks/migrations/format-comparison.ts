import type { CheckOutcome } from '../check.js';
import type { MigrationFinding, MigrationsComparison } from './compare-migrations.js';

type Kind = 'modified' | 'missing' | 'extra' | 'failed' | 'outOfOrder' | 'pending';

/** How each kind reads in a report; `pending` fails only when configured to. */
const KIND_LABELS: [Kind, string][] = [
  ['modified', 'modified'],
  ['missing', 'missing file'],
  ['extra', 'extra applied'],
  ['failed', 'failed'],
  ['outOfOrder', 'out of order'],
  ['pending', 'pending'],
];
const NAMES_IN_MESSAGE = 5;

export interface FormatOptions {
  tool: string;
  dir: string;
  pending: 'warn' | 'fail';
  /** The tool keeps no checksums, so edited files cannot be found. */
  recordsChecksums: boolean;
}

/** The verdict: every kind of difference named in the message, one line per migration in the details. */
export function formatComparison(comparison: MigrationsComparison, options: FormatOptions): CheckOutcome {
  const failing = KIND_LABELS.filter(
    ([kind]) => comparison[kind].length > 0 && (kind !== 'pending' || options.pending === 'fail'),
  );
  const details = failing.flatMap(([kind, label]) =>
    comparison[kind].map((finding) => `${label}: ${describe(finding)}`),
  );
  if (options.pending === 'warn')
    details.push(...comparison.pending.map((finding) => `warning: pending ${describe(finding)}`));
  if (!options.recordsChecksums)
    details.push(`note: ${options.tool} records no checksums, so edits to applied files cannot be detected`);
  details.push(...comparison.notes.map((note) => `note: ${note}`));
  const expected = `history matches ${options.dir}`;
  if (failing.length === 0) {
    const pending = comparison.pending.length ? `; ${comparison.pending.length} pending` : '';
    const count = `${comparison.matched} ${options.tool} migration${comparison.matched === 1 ? '' : 's'}`;
    const message = `${count} applied, all match ${options.dir}${pending}`;
    return {
      status: 'passed',
      message,
      expected,
      actual: comparison.pending.length ? `${comparison.pending.length} pending` : 'in sync',
      details,
    };
  }
  const message = failing.map(([kind, label]) => `${label}: ${listNames(comparison[kind])}`).join('; ');
  const actual = failing.map(([kind, label]) => `${comparison[kind].length} ${label}`).join(', ');
  return {
    status: 'failed',
    message: `${options.tool} history differs from ${options.dir}: ${message}`,
    expected,
    actual,
    details,
  };
}

function describe(finding: MigrationFinding): string {
  return `${finding.name} (${finding.detail})`;
}

function listNames(findings: MigrationFinding[]): string {
  const names = findings.slice(0, NAMES_IN_MESSAGE).map((finding) => finding.name);
  const more = findings.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}
