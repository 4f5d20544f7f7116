import { formatQualifiedName } from '../checks/relation-names.js';
import { formatDuration } from '../util/duration.js';
import { describeMismatch, difference, type ManifestDifference } from './manifest-difference.js';
import type { Manifest, ManifestMigration, ManifestSequence, ManifestTimestamp } from './manifest-schema.js';
import { toleratedSign, type ResolvedTolerances } from './manifest-tolerances.js';
import { formatColumnName } from './read-timestamps.js';

type Difference = ManifestDifference;
const isIgnored = (t: ResolvedTolerances, schema: string, table: string) =>
  t.ignored.has(formatQualifiedName({ schema, name: table }));

/** A newest value older than the manifest's by more than the time tolerance, or gone; newer only matters when captured after the backup. */
export function compareTimestamps(
  expected: ManifestTimestamp[],
  actual: ManifestTimestamp[],
  t: ResolvedTolerances,
): Difference[] {
  const restored = new Map(actual.map((c) => [formatColumnName(c), c]));
  const differences: Difference[] = [];
  for (const column of expected) {
    if (isIgnored(t, column.schema, column.table) || column.max === null) continue;
    const subject = formatColumnName(column);
    const found = restored.get(subject);
    const mismatch = (actualText: string, why: string) =>
      differences.push(
        difference(
          'timestamp',
          subject,
          { expected: column.max!, actual: actualText },
          describeMismatch(subject, actualText, `newest ${column.max}`, why),
        ),
      );
    if (!found) {
      const message = `${subject}: newest ${column.max} in the manifest; the restored database has no such date/time column`;
      differences.push(difference('timestamp', subject, { expected: column.max, actual: 'missing' }, message));
    } else if (found.max === null) {
      mismatch('no rows', 'the table is empty');
    } else if (column.epoch === null || found.epoch === null) {
      if (found.max !== column.max) mismatch(`newest ${found.max}`, 'values differ');
    } else if (column.epoch - found.epoch > t.timeSeconds) {
      const tolerated = t.timeSeconds > 0 ? `at most ${formatDuration(t.timeSeconds)} tolerated` : 'no lag tolerated';
      mismatch(`newest ${found.max}`, `${formatDuration(column.epoch - found.epoch)} older; ${tolerated}`);
    } else if (t.captured === 'after-backup' && found.epoch > column.epoch) {
      mismatch(`newest ${found.max}`, 'newer than a manifest captured after the backup');
    }
  }
  return differences;
}

/** Each sequence's next value, moved the way the capture order does not allow; sequences missing or extra. */
export function compareSequences(
  expected: ManifestSequence[],
  actual: ManifestSequence[],
  t: ResolvedTolerances,
): Difference[] {
  const keep = (s: ManifestSequence) => !s.ownedBy || !isIgnored(t, s.ownedBy.schema, s.ownedBy.table);
  const subjectOf = (s: ManifestSequence) => `sequence ${formatQualifiedName(s)}`;
  const restored = new Map(actual.filter(keep).map((s) => [subjectOf(s), s]));
  const differences: Difference[] = [];
  for (const sequence of expected.filter(keep)) {
    const subject = subjectOf(sequence);
    const found = restored.get(subject);
    restored.delete(subject);
    const next = nextValue(sequence);
    if (!found) {
      const message = `${subject}: in the manifest (next value ${next}), not in the restored database`;
      differences.push(difference('sequence', subject, { expected: `next ${next}`, actual: 'missing' }, message));
      continue;
    }
    // Measured along the increment, so "behind" means the same for descending sequences.
    const moved = (nextValue(found) - next) * (BigInt(sequence.increment) < 0n ? -1n : 1n);
    if (moved === 0n || moved > 0n === toleratedSign(t) > 0) continue;
    const why = moved < 0n ? `${-moved} behind the manifest` : `${moved} ahead of a manifest captured after the backup`;
    const message = describeMismatch(subject, `next value ${nextValue(found)}`, String(next), why);
    differences.push(
      difference('sequence', subject, { expected: `next ${next}`, actual: `next ${nextValue(found)}` }, message),
    );
  }
  for (const [subject, sequence] of restored) {
    differences.push(
      difference(
        'sequence',
        subject,
        { expected: 'absent', actual: `next ${nextValue(sequence)}` },
        `${subject}: restored, not in the manifest`,
      ),
    );
  }
  return differences;
}

export function compareExtensions(expected: Manifest['extensions'], actual: Manifest['extensions']): Difference[] {
  const restored = new Map(actual.map((e) => [e.name, e.version]));
  const differences: Difference[] = [];
  for (const { name, version } of expected) {
    const found = restored.get(name);
    restored.delete(name);
    const subject = `extension ${name}`;
    if (found === undefined) {
      differences.push(
        difference(
          'extension',
          subject,
          { expected: version, actual: 'missing' },
          `${subject} ${version}: in the manifest, not in the restored database`,
        ),
      );
    } else if (found !== version) {
      differences.push(
        difference(
          'extension',
          subject,
          { expected: version, actual: found },
          describeMismatch(subject, `version ${found}`, version),
        ),
      );
    }
  }
  for (const [name, version] of restored) {
    differences.push(
      difference(
        'extension',
        `extension ${name}`,
        { expected: 'absent', actual: version },
        `extension ${name} ${version}: restored, not in the manifest`,
      ),
    );
  }
  return differences;
}

/** Hypertables gone, or with chunks moved the way the capture order does not allow (a retention job drops chunks: ignore that table). */
export function compareHypertables(
  expected: Manifest['timescaledb'],
  actual: Manifest['timescaledb'],
  t: ResolvedTolerances,
): Difference[] {
  if (!expected) return [];
  const restored = new Map((actual?.hypertables ?? []).map((h) => [formatQualifiedName(h), h.chunks]));
  const differences: Difference[] = [];
  for (const hypertable of expected.hypertables) {
    if (isIgnored(t, hypertable.schema, hypertable.name)) continue;
    const subject = `hypertable ${formatQualifiedName(hypertable)}`;
    const was = `${hypertable.chunks} chunks`;
    const chunks = restored.get(formatQualifiedName(hypertable));
    if (chunks === undefined) {
      differences.push(
        difference(
          'hypertable',
          subject,
          { expected: was, actual: 'missing' },
          `${subject}: in the manifest (${was}), not a hypertable in the restored database`,
        ),
      );
    } else if (chunks !== hypertable.chunks && Math.sign(chunks - hypertable.chunks) !== toleratedSign(t)) {
      const why =
        chunks < hypertable.chunks
          ? `${hypertable.chunks - chunks} fewer`
          : `${chunks - hypertable.chunks} more than a manifest captured after the backup`;
      differences.push(
        difference(
          'hypertable',
          subject,
          { expected: was, actual: `${chunks} chunks` },
          describeMismatch(subject, `${chunks} chunks`, String(hypertable.chunks), why),
        ),
      );
    }
  }
  return differences;
}

/** Any change of a migration history's newest entry or length: the restored schema is not the captured one. */
export function compareMigrations(
  expected: ManifestMigration[],
  actual: ManifestMigration[],
  t: ResolvedTolerances,
): Difference[] {
  const subjectOf = (m: ManifestMigration) => `${m.tool} ${formatQualifiedName({ schema: m.schema, name: m.table })}`;
  const describe = (m: ManifestMigration) => `head ${m.head ?? '(none)'}, ${m.count} entries`;
  const keep = (m: ManifestMigration) => !isIgnored(t, m.schema, m.table);
  const restored = new Map(actual.filter(keep).map((m) => [subjectOf(m), m]));
  const differences: Difference[] = [];
  for (const history of expected.filter(keep)) {
    const subject = subjectOf(history);
    const found = restored.get(subject);
    restored.delete(subject);
    if (!found) {
      differences.push(
        difference(
          'migration',
          subject,
          { expected: describe(history), actual: 'missing' },
          `${subject}: in the manifest (${describe(history)}), not in the restored database`,
        ),
      );
    } else if (found.head !== history.head || found.count !== history.count) {
      differences.push(
        difference(
          'migration',
          subject,
          { expected: describe(history), actual: describe(found) },
          describeMismatch(subject, describe(found), describe(history)),
        ),
      );
    }
  }
  for (const [subject, history] of restored) {
    differences.push(
      difference(
        'migration',
        subject,
        { expected: 'absent', actual: describe(history) },
        `${subject}: restored (${describe(history)}), not in the manifest`,
      ),
    );
  }
  return differences;
}

function nextValue(sequence: ManifestSequence): bigint {
  const last = BigInt(sequence.lastValue);
  return sequence.isCalled ? last + BigInt(sequence.increment) : last;
}
