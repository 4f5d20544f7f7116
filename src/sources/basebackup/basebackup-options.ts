import { z } from 'zod';

export const basebackupOptionsSchema = z
  .strictObject({
    database: z.string().default('postgres').describe('The database of the restored cluster that checks connect to.'),
    store: z.string().describe('Name of an entry under `storage` holding the base backup.'),
    key: z
      .string()
      .optional()
      .describe(
        'The directory (prefix) of one base backup: base.tar[.gz] + pg_wal.tar[.gz], or a plain copy holding PG_VERSION.',
      ),
    prefix: z.string().optional().describe('Pick the latest/oldest base backup directory under this prefix.'),
    pick: z.enum(['latest', 'oldest']).default('latest').describe('Which base backup under `prefix`.'),
    pattern: z.string().optional().describe('Regular expression the backup directory must match.'),
    orderBy: z.enum(['lastModified', 'keyDate']).default('lastModified').describe('How "latest" is decided.'),
    wal: z
      .strictObject({
        store: z.string().optional().describe("Store of the WAL archive; default: the base backup's store."),
        prefix: z
          .string()
          .describe(
            'Where archive_command put the segments (`wal/` for `aws s3 cp %p s3://bucket/wal/%f`); `.gz` segments are read too.',
          ),
        prefetch: z
          .number()
          .int()
          .min(0)
          .max(64)
          .default(8)
          .describe(
            'Segments pgdrill downloads ahead of recovery, in parallel, into a private spool (at most this many on disk); 0 fetches each segment only when PostgreSQL asks, with one process per segment.',
          ),
      })
      .describe('The WAL archive, fetched ahead of recovery by pgdrill and handed to restore_command.'),
  })
  .describe('A pg_basebackup result plus a WAL archive (the layout of `archive_command = cp %p …/%f` or `aws s3 cp`).');

export type BasebackupOptions = z.output<typeof basebackupOptionsSchema>;
