import { z } from 'zod';

/**
 * The JSON report (`--json`): a published, versioned contract. A minor version adds optional fields
 * only; anything that could break a reader bumps the major. Every version is a schema of its own (strict
 * objects: an older copy rejects a newer report's added fields), so the `$id` names the full version.
 * `schema/report.schema.json` is generated from this file (`npm run schema`); docs/evidence.md lists
 * what each version added.
 */
export const REPORT_SCHEMA_VERSION = '1.1';
export const REPORT_SCHEMA_ID = `urn:pgdrill:schema:report:${REPORT_SCHEMA_VERSION}`;

const status = z.enum(['passed', 'failed', 'error', 'skipped']);
const isoTime = z.iso.datetime().describe('ISO 8601 time in UTC.');
const seconds = z.number().nonnegative();

const errorInfo = z.strictObject({
  code: z.string().describe('Stable SCREAMING_SNAKE error code.'),
  message: z.string(),
  hint: z.string().optional(),
  details: z.array(z.string()).optional(),
  exitCode: z.number().int().optional().describe('The exit code this error maps to.'),
});

const check = z.strictObject({
  name: z.string(),
  type: z.string(),
  status,
  expected: z.string().optional(),
  actual: z.string().optional(),
  message: z.string(),
  details: z.array(z.string()).optional(),
  durationMs: seconds,
});

const step = z.strictObject({
  name: z.string().describe('`restore`, `checks`, …'),
  status,
  durationMs: seconds,
  message: z.string().optional(),
  details: z.array(z.string()).optional(),
  error: errorInfo.optional(),
});

const backup = z
  .object({
    store: z.string().describe('The store read from, e.g. `s3://bucket/prefix (endpoint)`.'),
    key: z.string().describe("Object key, directory, or the tool's backup id."),
    size: z.number().optional(),
    etag: z.string().optional(),
    sha256: z.string().optional(),
    lastModified: z.string().optional(),
    format: z.string().optional(),
    producedBy: z.string().optional(),
    createdAt: isoTime
      .optional()
      .describe("When the backup was made (its object time, or the backup tool's stop time)."),
    ageSeconds: seconds.optional().describe('Age of the backup when the drill started.'),
  })
  .catchall(z.union([z.string(), z.number()]).optional())
  .describe('Where a restored backup came from. Sources add their own fields (backupId, walStart, …).');

const recovery = z.strictObject({
  target: z.string(),
  targetTime: z.string().optional(),
  reached: z.boolean(),
  stopRecord: z.string().optional(),
  lastCommitTime: z.string().optional(),
  redoDoneAt: z.string().optional().describe('LSN where redo ended.'),
  newTimeline: z.number().int().optional(),
  replaySeconds: seconds,
  segmentsRestored: z.number().int().nonnegative(),
  archive: z.strictObject({
    first: z.string().optional(),
    last: z.string().optional(),
    count: z.number().int(),
    newestAt: z.string().optional(),
    missing: z.array(z.string()),
  }),
  rpoSeconds: z.number().optional(),
  problems: z.array(z.string()),
});

const objective = z.strictObject({
  objectiveSeconds: seconds.optional().describe("From the suite's `objectives`."),
  achievedSeconds: seconds.optional().describe('What the drill measured; absent when it did not get that far.'),
  status: z.enum(['met', 'missed', 'not-measured', 'no-objective']),
  basis: z.string().describe('How `achievedSeconds` was measured.'),
});

const phase = z.strictObject({
  name: z.string(),
  kind: z.enum(['fetch', 'engine', 'restore', 'replay', 'check', 'step']),
  status,
  startSeconds: seconds.describe("Offset from the drill's start."),
  durationSeconds: seconds,
});

const engine = z.strictObject({
  kind: z.string(),
  major: z.number().int().describe('The major of the server restored into.'),
  backupMajor: z
    .number()
    .int()
    .optional()
    .describe(
      'The major the backup came from; below `major` when a dump was restored into a newer major (`postgres.major`).',
    ),
  version: z.string().describe('`server_version` as the server reported it.'),
  connection: z.string().describe('Connection string without a password.'),
  binDir: z.string().optional(),
  image: z.string().optional(),
  extensions: z.array(z.strictObject({ name: z.string(), version: z.string() })).optional(),
});

const ci = z
  .strictObject({
    provider: z
      .enum(['github-actions', 'gitlab-ci', 'jenkins', 'buildkite', 'circleci', 'azure-pipelines', 'ci'])
      .describe('The CI system, from its documented variables; `ci` when only `CI=true` was set.'),
    runUrl: z.string().optional().describe("The run's (or job's) page, without credentials."),
    runId: z.string().optional(),
    attempt: z.string().optional().describe('Re-run number of the same run id, where the CI system has one.'),
    repository: z.string().optional(),
    workflow: z.string().optional().describe("The workflow, pipeline or job definition's name."),
    commit: z.string().optional(),
    ref: z.string().optional().describe('Branch or tag.'),
    actor: z.string().optional().describe('Who started or triggered the run, as the CI system names them.'),
  })
  .describe('Where the run was started from (no tokens: only the documented run, commit, ref and actor variables).');

const suiteFile = z.strictObject({
  path: z.string(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe("SHA-256 of the file's bytes when the report was written."),
  problem: z.string().optional().describe('Why there is no hash (the file was not readable).'),
});

const drill = z.strictObject({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'error']),
  startedAt: isoTime,
  finishedAt: isoTime,
  durationMs: seconds,
  restoreSeconds: seconds
    .optional()
    .describe('Drill start until the restored database was ready for checks (the achieved RTO).'),
  source: z.strictObject({ kind: z.string(), description: z.string() }).optional(),
  engine: engine.optional(),
  backup: z.array(backup).optional(),
  recovery: recovery.optional(),
  objectives: z.strictObject({ rto: objective, rpo: objective }),
  timeline: z.array(phase).describe("Step timings laid out from the drill's start."),
  steps: z.array(step),
  checks: z.array(check),
  error: errorInfo.optional(),
  timings: z.record(z.string(), z.number()).optional(),
  keptAt: z.string().optional(),
});

export const jsonReportSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    generatedAt: isoTime,
    verdict: z
      .enum(['passed', 'failed', 'error'])
      .describe('passed: every drill passed; error: a drill could not run.'),
    exitCode: z.number().int().describe('The exit code of the run (0, 1, 2, 3, 70, 130).'),
    suite: z.strictObject({
      name: z.string(),
      files: z.array(z.string()),
      fileHashes: z.array(suiteFile).optional().describe('Every suite file the run loaded, with its SHA-256.'),
    }),
    startedAt: isoTime,
    finishedAt: isoTime,
    durationMs: seconds,
    shard: z
      .strictObject({ index: z.number().int().min(1), count: z.number().int().min(1) })
      .optional()
      .describe("Set when the run was one shard (`--shard index/count`) of the suite's drills."),
    host: z.strictObject({ hostname: z.string(), platform: z.string(), release: z.string(), arch: z.string() }),
    ci: ci.optional().describe('Set when the run was started by a CI system.'),
    tools: z.strictObject({
      pgdrill: z.string(),
      node: z.string(),
      servers: z.array(z.string()).describe('Server versions the drills ran on.'),
      commands: z
        .record(z.string(), z.string())
        .describe('Host tools used by the drills: command → first line of `--version` (or why it is unknown).'),
    }),
    drills: z.array(drill),
  })
  .describe("The result of a pgdrill run: a superset of the library's RunResult (see runResultFromReport).");

export type JsonReport = z.output<typeof jsonReportSchema>;
export type DrillReport = JsonReport['drills'][number];
export type ObjectiveReport = DrillReport['objectives']['rto'];
export type TimelinePhase = DrillReport['timeline'][number];
export type CiReport = NonNullable<JsonReport['ci']>;

/** The JSON Schema users validate reports against (draft 2020-12). */
export function reportJsonSchema(): object {
  const { $schema, ...rest } = z.toJSONSchema(jsonReportSchema, { io: 'output', unrepresentable: 'any' });
  return { $schema, $id: REPORT_SCHEMA_ID, title: 'pgdrill JSON report', ...rest };
}
