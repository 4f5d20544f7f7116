import { z } from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

/** The suite's `history:` key: where each run appends its summary. Exactly one kind. */
export const historyOptionsSchema = z
  .strictObject({
    file: z.string().min(1).optional().describe('JSON-lines file (relative to the suite file); one line per run.'),
    s3: z
      .strictObject({
        store: z
          .string()
          .describe(
            'Name of an S3 entry under `storage` (its bucket, endpoint, caBundle); credentials from the AWS default chain.',
          ),
        prefix: z
          .string()
          .min(1)
          .describe(
            "Prefix for history objects (one per run). Must not overlap any drill's source prefix in the same bucket.",
          ),
      })
      .optional()
      .describe('One object per run under a prefix of an S3 bucket that is not a backup source.'),
    postgres: z
      .strictObject({
        urlEnv: envName.describe(
          'Environment variable holding the postgresql:// URL (with its password): never in the suite.',
        ),
        table: z
          .string()
          .regex(
            /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/,
            'expected a lower-case table name, optionally schema-qualified',
          )
          .default('pgdrill_history')
          .describe('Table (created if missing), one row per drill per run.'),
      })
      .optional()
      .describe('One row per drill per run in a table of a PostgreSQL database, reached through `urlEnv`.'),
  })
  .superRefine((history, ctx) => {
    const kinds = Object.keys(history).filter((k) => (history as Record<string, unknown>)[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one history kind (file, s3, postgres), found ${kinds.length ? kinds.join(', ') : 'none'}`,
      });
  })
  .describe('Where each run appends its summary, for `pgdrill history` and the last-success metric.');

export type HistoryInput = z.output<typeof historyOptionsSchema>;
