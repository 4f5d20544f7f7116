import { z } from 'zod';
import type { CheckDefinition } from '../checks/check.js';
import { recoveryTargetSchema } from '../recovery/recovery-target.js';
import { barmanCloudOptionsSchema } from '../sources/barman-cloud/barman-cloud-options.js';
import { basebackupOptionsSchema } from '../sources/basebackup/basebackup-options.js';
import { pgbackrestOptionsSchema } from '../sources/pgbackrest/pgbackrest-options.js';
import { pgdumpOptionsSchema } from '../sources/pgdump/pgdump-options.js';
import { isDuration } from '../util/duration.js';
import { historyOptionsSchema } from '../history/history-options.js';
import { notifyOptionsSchema } from '../notify/notify-options.js';
import { metricsOptionsSchema } from '../report/metrics-options.js';

const duration = z
  .union([z.string(), z.number()])
  .refine((v) => isDuration(v), 'expected a duration such as 90s, 15m, 1h30m or a number of seconds');

const s3StoreSchema = z.strictObject({
  bucket: z.string().min(1).describe('Bucket name.'),
  region: z.string().default('us-east-1').describe('AWS region.'),
  endpoint: z.string().url().optional().describe('S3-compatible endpoint (MinIO, Ceph, R2…); default: AWS.'),
  forcePathStyle: z.boolean().default(false).describe('Path-style addressing (most S3-compatible servers need it).'),
  caBundle: z
    .string()
    .optional()
    .describe('PEM file of CA certificates to trust for this endpoint (relative to the suite file).'),
  prefix: z.string().optional().describe('Root prefix every key in this store is relative to.'),
  readAttempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe(
      'Attempts to read one object in all: a body cut, reset or stalled is resumed from its last byte until these run out. @default 5',
    ),
  readIdleTimeout: duration
    .optional()
    .describe(
      'How long a body may deliver no bytes while pgdrill waits for them before the read is resumed (at least 100ms). @default 60s',
    ),
});

export const storeSchema = z
  .union([
    z.strictObject({
      s3: s3StoreSchema.describe(
        'Credentials come from the AWS default chain (env, profile, instance role), never from the suite.',
      ),
    }),
    z.strictObject({
      filesystem: z
        .strictObject({ root: z.string().describe('Directory holding backups (relative to the suite file).') })
        .describe('Backups in a local directory (or a mounted share).'),
    }),
  ])
  .describe('Where backups are read from. pgdrill only lists and reads.');

const engineSchema = z
  .strictObject({
    kind: z
      .enum(['auto', 'local', 'docker'])
      .default('auto')
      .describe('`auto`: docker when a Docker engine answers, else local.'),
    binDir: z.string().optional().describe('Local engine: directory holding postgres, initdb, pg_ctl, pg_restore.'),
    osUser: z
      .string()
      .optional()
      .describe(
        'When pgdrill runs as root: the unprivileged OS user servers (local) and restored containers (docker) run as. @default postgres',
      ),
    docker: z
      .strictObject({
        images: z
          .array(
            z
              .strictObject({
                image: z
                  .string()
                  .min(1)
                  .describe(
                    'Image reference; `{major}` is replaced by the server major. Pin with `name@sha256:<digest>`.',
                  ),
                major: z.number().int().min(10).max(30).optional().describe('Only for this major.'),
                extensions: z
                  .array(z.string())
                  .optional()
                  .describe(
                    'Extensions the image provides beyond core PostgreSQL and contrib (e.g. timescaledb); chosen when a restore needs one.',
                  ),
              })
              .describe(
                'One image rule. A restore uses the first rule for its major that provides the extensions it needs (one without extensions when it needs none).',
              ),
          )
          .optional()
          .describe(
            'Image rules, tried in order before the defaults `timescale/timescaledb:latest-pg{major}` (extensions: timescaledb) and `postgres:{major}`.',
          ),
        pull: z
          .enum(['never', 'missing'])
          .optional()
          .describe(
            '`missing`: Docker pulls an image that is not present; `never`: a missing image is an error. @default missing (env PGDRILL_DOCKER_PULL)',
          ),
      })
      .optional()
      .describe('Docker engine: which images servers run on.'),
  })
  .default({ kind: 'auto' })
  .describe('Where the throwaway servers that backups are restored into run.');

const postgresSchema = z
  .strictObject({
    major: z
      .number()
      .int()
      .min(10)
      .max(30)
      .optional()
      .describe(
        "PostgreSQL major for the restore server; default: the one the backup needs. Newer than a dump's: an upgrade rehearsal (restored with that major's tools); older than a dump's, or another than a physical backup's: refused before any server starts (docs/majors.md).",
      ),
    settings: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Extra postgresql.conf settings.'),
    superusers: z
      .array(z.string())
      .optional()
      .describe(
        'Physical restores: superuser roles of the backed-up cluster to try, in order, before pgdrill has its own role. @default [postgres, pgdrill]',
      ),
  })
  .optional()
  .describe('The server this drill restores into.');

/** A check item is an object with exactly one key, the check type: `- rows: { table: t, min: 1 }`. */
function checkItemSchema(checks: readonly CheckDefinition<unknown>[]) {
  const shape = Object.fromEntries(
    checks.map((c) => [c.type, (c.options as z.ZodType).optional().describe(c.description)]),
  );
  const types = checks.map((c) => c.type);
  return z
    .strictObject(shape)
    .superRefine((item, ctx) => {
      const present = Object.keys(item).filter((k) => (item as Record<string, unknown>)[k] !== undefined);
      if (present.length !== 1)
        ctx.addIssue({
          code: 'custom',
          message: `expected exactly one check type (one of ${types.join(', ')}), found ${present.length ? present.join(', ') : 'none'}`,
        });
    })
    .describe('One check: an object with one key, the check type, whose value holds its options.');
}

export function buildSuiteSchema(checks: readonly CheckDefinition<unknown>[]) {
  const drill = z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, dot, dash or underscore')
        .describe('Unique drill name (JUnit testsuite name).'),
      description: z.string().optional().describe('Free text for readers of the suite; pgdrill does not use it.'),
      tags: z.array(z.string()).default([]).describe('Free-form tags for selecting drills.'),
      timeout: duration.default('2h').describe('The drill is stopped and fails after this long.'),
      stallTimeout: duration
        .default('10m')
        .describe(
          'The restore fails with RESTORE_STALLED (exit 3) after this long without progress: no byte downloaded, no pg_restore item, no file of the restore (data directory, WAL, server log) changed.',
        ),
      checkTimeout: duration
        .default('5m')
        .describe(
          'Each statement of the checks a suite writes (sql, rows, …) is cancelled after this long (statement_timeout of their read-only role).',
        ),
      postgres: postgresSchema,
      source: z
        .strictObject({
          pgdump: pgdumpOptionsSchema.optional(),
          pgbackrest: pgbackrestOptionsSchema.optional(),
          basebackup: basebackupOptionsSchema.optional(),
          barmanCloud: barmanCloudOptionsSchema.optional(),
        })
        .superRefine((source, ctx) => {
          const kinds = Object.keys(source).filter((k) => (source as Record<string, unknown>)[k] !== undefined);
          if (kinds.length !== 1)
            ctx.addIssue({
              code: 'custom',
              message: `expected exactly one source kind (pgdump, pgbackrest, basebackup, barmanCloud), found ${kinds.length ? kinds.join(', ') : 'none'}`,
            });
        })
        .describe('What to restore. Exactly one kind.'),
      target: recoveryTargetSchema.optional(),
      checks: z
        .array(checkItemSchema(checks))
        .default([])
        .describe(
          "Checks, in order: inventory checks (freshness, retention, size) judge the source's listing first; the others run against the restored database. A drill with only inventory checks restores nothing.",
        ),
    })
    .describe(
      'One drill: a backup to restore into a throwaway server (or only to list, with inventory checks alone) and the checks that judge it.',
    );
  return z
    .strictObject({
      $schema: z.string().optional().describe('Path or URL of the JSON Schema, for editors.'),
      name: z.string().min(1).describe('Suite name (reports and metrics).'),
      description: z.string().optional().describe('Free text for readers of the suite; pgdrill does not use it.'),
      objectives: z
        .strictObject({
          rto: duration.optional().describe('Recovery time objective: the longest a restore may take.'),
          rpo: duration.optional().describe('Recovery point objective: the most data you may lose.'),
        })
        .default({})
        .describe(
          'Targets every drill is judged against: the duration check defaults to `rto`, the recovery check to `rpo`; reports and metrics show both.',
        ),
      engine: engineSchema,
      storage: z
        .record(z.string().regex(/^[A-Za-z0-9_-]+$/), storeSchema)
        .default({})
        .describe('Named stores drills read from.'),
      drills: z.array(drill).min(1).describe('The drills, run in order.'),
      metrics: metricsOptionsSchema.optional(),
      notify: notifyOptionsSchema.optional(),
      history: historyOptionsSchema.optional(),
    })
    .describe('A pgdrill suite: drills that restore backups into throwaway servers and check the data.');
}

export type SuiteSchema = ReturnType<typeof buildSuiteSchema>;
export type SuiteInput = z.input<SuiteSchema>;
export type ParsedSuite = z.output<SuiteSchema>;
export type ParsedDrill = ParsedSuite['drills'][number];
export type StoreInput = z.output<typeof storeSchema>;
