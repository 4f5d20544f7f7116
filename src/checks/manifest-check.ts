import { resolve } from 'node:path';
import { z } from 'zod';
import { captureManifest } from '../manifest/capture-manifest.js';
import { compareManifest } from '../manifest/compare-manifest.js';
import { countOf, type ManifestDifference } from '../manifest/manifest-difference.js';
import { readManifestFile } from '../manifest/manifest-file.js';
import type { Manifest } from '../manifest/manifest-schema.js';
import { DEFAULT_ROWS_PERCENT } from '../manifest/manifest-tolerances.js';
import { formatColumnName } from '../manifest/read-timestamps.js';
import { summarizeManifest } from '../manifest/summarize-manifest.js';
import { formatDuration, isDuration, parseDuration } from '../util/duration.js';
import { defineCheck } from './check.js';
import { formatQualifiedName, isQualifiedName } from './relation-names.js';

const manifestOptions = z.strictObject({
  file: z
    .string()
    .min(1)
    .describe('The manifest: JSON written by `pgdrill manifest capture`, relative to the suite file.'),
  captured: z
    .enum(['before-backup', 'after-backup'])
    .default('before-backup')
    .describe(
      'When the manifest was captured relative to the backup. `before-backup`: the restore may hold more rows than the manifest, never fewer; `after-backup`: fewer, never more.',
    ),
  tolerance: z
    .strictObject({
      rows: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe('Rows a table may differ by, in the direction `captured` allows.'),
      rowsPercent: z
        .number()
        .nonnegative()
        .optional()
        .describe(
          `The same as a percentage of the manifest's count. Default: ${DEFAULT_ROWS_PERCENT} when neither is set.`,
        ),
      time: z
        .union([z.string(), z.number().nonnegative()])
        .refine(isDuration, 'expected a duration like 90s, 15m, 1h30m or a number of seconds')
        .optional()
        .describe("How much older than the manifest's a timestamp column's newest value may be. Default: 0."),
    })
    .default({})
    .describe('What the comparison tolerates; either row limit suffices.'),
  ignoreTables: z
    .array(z.string().refine(isQualifiedName, 'expected schema.table or table (schema public)'))
    .default([])
    .describe('Tables left out of the comparison, with their timestamp columns and owned sequences.'),
});

export type ManifestOptions = z.output<typeof manifestOptions>;

const SHOWN_IN_MESSAGE = 3;

export const manifestCheck = defineCheck({
  type: 'manifest',
  description:
    'Compares the restored database with a manifest captured from the source (`pgdrill manifest capture`): tables and row counts, newest timestamps, sequences, schema fingerprint, extensions, hypertables, migration heads.',
  options: manifestOptions,
  label: (options) => `manifest ${options.file}`,
  async run({ db: readOnly, admin, suiteDir }, options) {
    const db = admin ?? readOnly;
    const expected = await readManifestFile(resolve(suiteDir, options.file));
    const actual = await captureManifest(db, {
      counts: 'exact',
      schemas: expected.schemas ?? undefined,
      timestampColumns: expected.timestamps.map(formatColumnName),
      missing: 'skip',
    });
    const timeSeconds = options.tolerance.time === undefined ? 0 : parseDuration(options.tolerance.time);
    const differences = compareManifest(expected, actual, {
      captured: options.captured,
      rowsWrittenBetween: { rows: options.tolerance.rows, percent: options.tolerance.rowsPercent },
      timeSeconds,
      ignoreTables: options.ignoreTables,
    });
    const source = `the manifest of ${expected.database} captured ${expected.capturedAt}`;
    const expectedText = describeTolerance(options, timeSeconds);
    if (differences.length === 0) {
      return {
        status: 'passed',
        message: `the restored database matches ${source}: ${summarizeManifest(actual)}`,
        expected: expectedText,
        actual: 'no differences',
        details: listCounts(expected, actual, options.ignoreTables),
      };
    }
    const shown = differences.slice(0, SHOWN_IN_MESSAGE).map((d) => d.message);
    const more =
      differences.length > SHOWN_IN_MESSAGE ? `; and ${differences.length - SHOWN_IN_MESSAGE} more (see details)` : '';
    return {
      status: 'failed',
      message: `${countOf(differences.length, 'difference')} from ${source}: ${shown.join('; ')}${more}`,
      expected: expectedText,
      actual: describeKinds(differences),
      details: differences.map((d) => d.message),
    };
  },
});

function describeTolerance(options: ManifestOptions, timeSeconds: number): string {
  const { rows, rowsPercent } = options.tolerance;
  const limits = [
    rows === undefined ? undefined : `${rows} rows`,
    rowsPercent === undefined ? undefined : `${rowsPercent}%`,
  ].filter(Boolean);
  const rowLimit = limits.length > 0 ? limits.join(' or ') : `${DEFAULT_ROWS_PERCENT}%`;
  const way = options.captured === 'before-backup' ? 'more' : 'fewer';
  const lag = timeSeconds > 0 ? `at most ${formatDuration(timeSeconds)} older` : 'no older';
  return `the manifest, captured ${options.captured}: up to ${rowLimit} ${way} rows per table, timestamps ${lag}`;
}

const KIND_NOUNS: Record<ManifestDifference['kind'], string> = {
  'table-missing': 'missing table',
  'table-extra': 'extra table',
  rows: 'row count',
  schema: 'table definition',
  type: 'type',
  timestamp: 'timestamp',
  sequence: 'sequence',
  extension: 'extension',
  hypertable: 'hypertable',
  migration: 'migration history',
};

/** `2 row counts, 1 sequence`: how many differences of each kind. */
function describeKinds(differences: ManifestDifference[]): string {
  const counts = new Map<ManifestDifference['kind'], number>();
  for (const d of differences) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => countOf(count, KIND_NOUNS[kind])).join(', ');
}

/** Evidence for a pass: each table's restored count beside the manifest's. */
function listCounts(expected: Manifest, actual: Manifest, ignored: string[]): string[] {
  const restored = new Map(actual.tables.map((t) => [formatQualifiedName(t), t.rows]));
  const lines = expected.tables
    .filter((t) => t.rows !== null)
    .map(
      (t) =>
        `${formatQualifiedName(t)}: ${restored.get(formatQualifiedName(t)) ?? 'no'} rows restored, ${t.rows} in the manifest`,
    );
  return ignored.length > 0 ? [...lines, `ignored: ${ignored.join(', ')}`] : lines;
}
