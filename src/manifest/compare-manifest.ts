import { formatQualifiedName } from '../checks/relation-names.js';
import {
  compareExtensions,
  compareHypertables,
  compareMigrations,
  compareSequences,
  compareTimestamps,
} from './compare-facts.js';
import { countOf, describeMismatch, difference, type ManifestDifference } from './manifest-difference.js';
import type { Manifest, ManifestTable } from './manifest-schema.js';
import {
  allowedRowDrift,
  describeRowLimit,
  resolveTolerances,
  toleratedSign,
  type ManifestTolerances,
  type ResolvedTolerances,
} from './manifest-tolerances.js';

/**
 * Every way `actual` (the restored database) differs from `expected` (the manifest) beyond the tolerances,
 * in a fixed order: tables, rows, schema, timestamps, sequences, extensions, hypertables, migrations.
 */
export function compareManifest(
  expected: Manifest,
  actual: Manifest,
  tolerances: ManifestTolerances = {},
): ManifestDifference[] {
  const t = resolveTolerances(tolerances);
  const keep = (table: ManifestTable) => !t.ignored.has(nameOf(table));
  const expectedTables = new Map(expected.tables.filter(keep).map((table) => [nameOf(table), table]));
  const actualTables = new Map(actual.tables.filter(keep).map((table) => [nameOf(table), table]));
  const differences: ManifestDifference[] = [];
  for (const [name, table] of expectedTables) {
    const restored = actualTables.get(name);
    if (!restored) {
      const rows = table.rows === null ? table.kind : countOf(table.rows, 'row');
      differences.push(
        difference(
          'table-missing',
          name,
          { expected: rows, actual: 'missing' },
          `${name}: in the manifest (${rows}), not in the restored database`,
        ),
      );
    }
  }
  for (const [name, table] of actualTables) {
    if (expectedTables.has(name)) continue;
    const rows = table.rows === null ? table.kind : countOf(table.rows, 'row');
    differences.push(
      difference(
        'table-extra',
        name,
        { expected: 'absent', actual: rows },
        `${name}: restored (${rows}), not in the manifest`,
      ),
    );
  }
  for (const [name, table] of expectedTables) {
    const restored = actualTables.get(name);
    if (restored) differences.push(...compareRows(name, table, restored, t));
  }
  differences.push(...compareSchema(expected, actual, expectedTables, actualTables));
  differences.push(...compareTimestamps(expected.timestamps, actual.timestamps, t));
  differences.push(...compareSequences(expected.sequences, actual.sequences, t));
  differences.push(...compareExtensions(expected.extensions, actual.extensions));
  differences.push(...compareHypertables(expected.timescaledb, actual.timescaledb, t));
  differences.push(...compareMigrations(expected.migrations, actual.migrations, t));
  return differences;
}

function compareRows(
  name: string,
  expected: ManifestTable,
  actual: ManifestTable,
  t: ResolvedTolerances,
): ManifestDifference[] {
  if (expected.rows === null || actual.rows === null || actual.rows === expected.rows) return [];
  const delta = actual.rows - expected.rows;
  const change = delta > 0 ? `${delta} more` : `${-delta} fewer`;
  const percent = expected.rows === 0 ? '' : `, ${formatPercent((delta / expected.rows) * 100)}`;
  const estimate = expected.rowsEstimated ? '; the manifest count is a planner estimate' : '';
  // A planner estimate may be off either way, so only its size is judged.
  const wayTolerated = expected.rowsEstimated || Math.sign(delta) === toleratedSign(t);
  let why: string;
  if (!wayTolerated) {
    why =
      t.captured === 'before-backup'
        ? `${change}: a backup taken after the manifest may gain rows, never lose them`
        : `${change}: a backup taken before the manifest may lack rows, never have more`;
  } else if (Math.abs(delta) > allowedRowDrift(expected.rows, t)) {
    why = `${change}${percent}; at most ${allowedRowDrift(expected.rows, t)} tolerated (${describeRowLimit(t)})${estimate}`;
  } else {
    return [];
  }
  const values = { expected: String(expected.rows), actual: String(actual.rows) };
  return [difference('rows', name, values, describeMismatch(name, `${actual.rows} rows`, String(expected.rows), why))];
}

// The overall fingerprint covers exactly the tables and types, so when it differs one of them does: name it
// (tables missing or extra are reported on their own; ignored tables are not looked at).
function compareSchema(
  expected: Manifest,
  actual: Manifest,
  expectedTables: Map<string, ManifestTable>,
  actualTables: Map<string, ManifestTable>,
): ManifestDifference[] {
  if (expected.schemaFingerprint === actual.schemaFingerprint) return [];
  const differences: ManifestDifference[] = [];
  for (const [name, table] of expectedTables) {
    const restored = actualTables.get(name);
    if (!restored) continue;
    if (restored.kind !== table.kind) {
      const message = describeMismatch(name, `a ${restored.kind}`, `a ${table.kind}`);
      differences.push(difference('schema', name, { expected: table.kind, actual: restored.kind }, message));
      continue;
    }
    const parts = (['columns', 'indexes', 'constraints', 'triggers'] as const).filter(
      (p) => table.fingerprint[p] !== restored.fingerprint[p],
    );
    if (parts.length === 0) continue;
    const list = (f: ManifestTable['fingerprint']) => parts.map((p) => `${p} ${f[p]}`).join(', ');
    const values = { expected: list(table.fingerprint), actual: list(restored.fingerprint) };
    differences.push(difference('schema', name, values, `${name}: ${parts.join(', ')} differ from the manifest`));
  }
  return [...differences, ...compareTypes(expected, actual)];
}

function compareTypes(expected: Manifest, actual: Manifest): ManifestDifference[] {
  const key = (t: Manifest['types'][number]) => `type ${formatQualifiedName(t)}`;
  const restored = new Map(actual.types.map((t) => [key(t), t]));
  const differences: ManifestDifference[] = [];
  for (const type of expected.types) {
    const found = restored.get(key(type));
    restored.delete(key(type));
    if (found?.fingerprint === type.fingerprint && found.kind === type.kind) continue;
    const actualText = found ? `${found.kind} ${found.fingerprint}` : 'missing';
    const message = found
      ? `${key(type)}: its definition differs from the manifest`
      : `${key(type)}: in the manifest (${type.kind}), not in the restored database`;
    differences.push(
      difference('type', key(type), { expected: `${type.kind} ${type.fingerprint}`, actual: actualText }, message),
    );
  }
  for (const [subject, type] of restored) {
    differences.push(
      difference(
        'type',
        subject,
        { expected: 'absent', actual: type.kind },
        `${subject}: restored (${type.kind}), not in the manifest`,
      ),
    );
  }
  return differences;
}

function nameOf(table: { schema: string; name: string }): string {
  return formatQualifiedName(table);
}

/** `+5.5%`, `-10%`, `+<0.1%`: a change of 1 row in 20000 is not `+0%`. */
function formatPercent(value: number): string {
  const sign = value > 0 ? '+' : '-';
  const rounded = Math.round(Math.abs(value) * 10) / 10;
  return rounded === 0 ? `${sign}<0.1%` : `${sign}${rounded}%`;
}
