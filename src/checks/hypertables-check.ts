import { z } from 'zod';
import { defineCheck, type CheckOutcome } from './check.js';
import { formatQualifiedName, isQualifiedName, parseQualifiedName } from './relation-names.js';
import { evaluateHypertable } from './timescale/evaluate-hypertable.js';
import { timescaleVersion } from './timescale/hypertable-facts.js';
import {
  findLaggingCatalogSequences,
  isContinuousAggregate,
  readJobs,
  refreshContinuousAggregate,
} from './timescale/timescale-catalog.js';

const relation = (what: string) =>
  z.string().refine(isQualifiedName, 'expected schema.name or name (schema public)').describe(what);
const count = () => z.number().int().nonnegative();

const hypertableOptions = z
  .strictObject({
    name: relation('The hypertable: `schema.table`, or `table` in schema public.'),
    minChunks: count().optional().describe('Fewest chunks accepted.'),
    timeRange: z
      .strictObject({
        from: z
          .string()
          .optional()
          .describe('Earliest time (a timestamptz) the chunks must reach back to; default: no lower bound.'),
        to: z
          .string()
          .optional()
          .describe('Latest time (a timestamptz) the chunks must reach; default: no upper bound.'),
      })
      .optional()
      .describe('A window (timestamps) the chunks must span from the earliest start to the latest end.'),
    compression: z
      .strictObject({
        segmentby: z.array(z.string()).optional().describe('Columns that must be among the segmentby columns.'),
        orderby: z
          .array(z.string())
          .optional()
          .describe('Columns that must be among the orderby columns: `time` matches `time DESC`.'),
        minCompressedChunks: count().optional().describe('Fewest compressed chunks accepted.'),
      })
      .optional()
      .describe(
        'Compression must be enabled, with these segmentby/orderby columns and at least this many compressed chunks.',
      ),
  })
  .describe('A table that must be a hypertable in the restored database.');

const hypertablesOptions = z.strictObject({
  hypertables: z
    .array(hypertableOptions)
    .default([])
    .describe('Hypertables expected, with their chunks and compression.'),
  continuousAggregates: z
    .array(
      z
        .strictObject({
          name: relation('The continuous aggregate view.'),
          refresh: z
            .strictObject({
              start: z.string().describe('Start of the window (a timestamptz).'),
              end: z.string().describe('End of the window (a timestamptz).'),
            })
            .optional()
            .describe('A window to refresh in the restored database; the check fails when the refresh fails.'),
        })
        .describe('A continuous aggregate that must exist.'),
    )
    .default([])
    .describe(
      'Continuous aggregates that must exist; with `refresh`, CALL refresh_continuous_aggregate over the window must succeed.',
    ),
  jobs: z
    .strictObject({
      min: count().optional().describe('Fewest jobs and policies (job_id >= 1000) accepted.'),
      owners: z.boolean().default(false).describe("Every job's owner role must exist in the restored cluster."),
    })
    .optional()
    .describe(
      'Background jobs and policies (job_id >= 1000): at least `min`, and with `owners` each owner role exists.',
    ),
  internalSequences: z
    .boolean()
    .default(true)
    .describe("TimescaleDB's catalog sequences (hypertable_id_seq, chunk_id_seq, …) must be ahead of the ids in use."),
});

export type HypertablesOptions = z.output<typeof hypertablesOptions>;

export const hypertablesCheck = defineCheck({
  type: 'hypertables',
  description:
    'Checks TimescaleDB after a restore: hypertables, their chunks, time range and compression, continuous aggregates, jobs and catalog sequences.',
  options: hypertablesOptions,
  label: (o) => {
    const names = [...o.hypertables.map((h) => h.name), ...o.continuousAggregates.map((c) => c.name)].map((n) =>
      formatQualifiedName(parseQualifiedName(n)),
    );
    return names.length > 0 ? `hypertables ${names.join(', ')}` : 'hypertables';
  },
  async run({ db: readOnly, admin }, options): Promise<CheckOutcome> {
    const db = admin ?? readOnly;
    const version = await timescaleVersion(db);
    if (!version)
      return {
        status: 'failed',
        message: 'the database has no timescaledb extension, expected TimescaleDB objects',
        expected: 'extension timescaledb',
        actual: 'not installed',
      };
    const lines: string[] = [`timescaledb ${version}`];
    const problems: string[] = [];
    for (const expected of options.hypertables) {
      const result = await evaluateHypertable(db, expected);
      lines.push(result.line);
      problems.push(...result.problems);
    }
    for (const cagg of options.continuousAggregates) {
      const name = parseQualifiedName(cagg.name);
      const label = formatQualifiedName(name);
      if (!(await isContinuousAggregate(db, name))) problems.push(`continuous aggregate ${label} does not exist`);
      else if (cagg.refresh) {
        const failure = await refreshContinuousAggregate(db, name, cagg.refresh);
        if (failure)
          problems.push(`refreshing ${label} over ${cagg.refresh.start} .. ${cagg.refresh.end} failed: ${failure}`);
        else lines.push(`${label}: refreshed over ${cagg.refresh.start} .. ${cagg.refresh.end}`);
      } else lines.push(`${label}: continuous aggregate`);
    }
    if (options.jobs) {
      const jobs = await readJobs(db);
      lines.push(`${jobs.length} job${jobs.length === 1 ? '' : 's'}`);
      if (options.jobs.min !== undefined && jobs.length < options.jobs.min)
        problems.push(`${jobs.length} jobs, expected at least ${options.jobs.min}`);
      if (options.jobs.owners)
        for (const job of jobs.filter((j) => !j.ownerExists))
          problems.push(`job ${job.id} is owned by ${job.owner}, a role that does not exist`);
    }
    if (options.internalSequences) {
      const { checked, lagging } = await findLaggingCatalogSequences(db);
      lines.push(`${checked} catalog sequences checked`);
      for (const s of lagging)
        problems.push(`${s.sequence} is at ${s.lastValue}, behind max(${s.column}) = ${s.maxId}`);
    }
    return {
      status: problems.length === 0 ? 'passed' : 'failed',
      message: problems.length === 0 ? lines.slice(1).join('; ') || `timescaledb ${version}` : problems.join('; '),
      expected:
        problems.length === 0
          ? undefined
          : 'every hypertable, continuous aggregate, job and catalog sequence as configured',
      actual: problems.length === 0 ? undefined : `${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      details: lines,
    };
  },
});
