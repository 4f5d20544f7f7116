import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** The manifest format this pgdrill writes and reads; a change that old readers would misread bumps it. */
export const MANIFEST_VERSION = 1;

const name = z.string().min(1);
const count = z.number().int().nonnegative();
const shortHash = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 hex digits');
/** Sequence values are int8: kept as decimal text so values beyond 2^53 stay exact. */
const int8Text = z.string().regex(/^-?\d+$/, 'expected an integer as text');

const tableSchema = z.object({
  schema: name,
  name,
  kind: z.enum(['table', 'partitioned table', 'materialized view']),
  /** null for a partitioned table: its rows are counted in its partitions. */
  rows: count.nullable(),
  /** The planner's estimate (pg_class.reltuples) rather than count(*). */
  rowsEstimated: z.boolean(),
  /** Short SHA-256 of each part of the table's definition, so a difference can say which part changed. */
  fingerprint: z.object({ columns: shortHash, indexes: shortHash, constraints: shortHash, triggers: shortHash }),
});

const timestampSchema = z.object({
  schema: name,
  table: name,
  column: name,
  /** The newest value as PostgreSQL renders it in UTC; null when the table is empty. */
  max: z.string().nullable(),
  /** The same value in seconds since 1970 (a timestamp without time zone is read as UTC). */
  epoch: z.number().nullable(),
});

const sequenceSchema = z.object({
  schema: name,
  name,
  lastValue: int8Text,
  isCalled: z.boolean(),
  increment: int8Text,
  /** The column of a serial or identity sequence; null for a free-standing sequence. */
  ownedBy: z.object({ schema: name, table: name, column: name }).nullable(),
});

const typeSchema = z.object({
  schema: name,
  name,
  kind: z.enum(['enum', 'domain', 'composite', 'range']),
  fingerprint: shortHash,
});

const migrationSchema = z.object({
  tool: z.enum(['flyway', 'knex', 'node-pg-migrate', 'prisma', 'drizzle']),
  schema: name,
  table: name,
  count,
  /** The newest applied migration: a version, name or hash, as the tool records it. */
  head: z.string().nullable(),
});

// Not strict: a newer pgdrill may add fields to version 1; what this version does not know it ignores.
export const manifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION, {
    error: (issue) =>
      issue.input === undefined
        ? 'missing: this is not a pgdrill manifest (write one with `pgdrill manifest capture`)'
        : `manifest version ${JSON.stringify(issue.input)} is not supported: this pgdrill reads version ${MANIFEST_VERSION}`,
  }),
  capturedAt: z.iso.datetime({ offset: true }),
  database: name,
  /** server_version of the captured server. */
  serverVersion: z.string(),
  serverVersionNum: z.number().int().positive(),
  counts: z.enum(['exact', 'estimated']),
  /** The schemas captured; null: every schema except the system ones. */
  schemas: z.array(name).nullable(),
  tables: z.array(tableSchema),
  timestamps: z.array(timestampSchema),
  sequences: z.array(sequenceSchema),
  /** SHA-256 over the definition of every table and user type in scope. */
  schemaFingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in hex'),
  types: z.array(typeSchema),
  extensions: z.array(z.object({ name, version: z.string() })),
  /** null when the timescaledb extension is not installed in the database. */
  timescaledb: z
    .object({ version: z.string(), hypertables: z.array(z.object({ schema: name, name, chunks: count })) })
    .nullable(),
  migrations: z.array(migrationSchema),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestTable = Manifest['tables'][number];
export type ManifestTimestamp = Manifest['timestamps'][number];
export type ManifestSequence = Manifest['sequences'][number];
export type ManifestType = Manifest['types'][number];
export type ManifestMigration = Manifest['migrations'][number];
export type MigrationTool = ManifestMigration['tool'];

/**
 * Validates a manifest: JSON text or an already-parsed value. Throws ConfigError `MANIFEST_INVALID` listing
 * every problem with its path (`tables[3].rows: …`); `source` names the file in the message.
 */
export function parseManifest(input: unknown, source = 'the manifest'): Manifest {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ConfigError('MANIFEST_INVALID', `${source} is not JSON: ${(error as Error).message}`, { hint: HINT });
    }
  }
  const parsed = manifestSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new ConfigError('MANIFEST_INVALID', `${source} is not a valid pgdrill manifest (${count}): ${problems[0]}`, {
    details: problems,
    hint: HINT,
  });
}

const HINT =
  'capture the manifest again with `pgdrill manifest capture --db <url> --out <file>`; do not edit it by hand';

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${String(key)}`),
    '',
  );
}
