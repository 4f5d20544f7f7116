import { z } from 'zod';
import { walPrefetchOption } from '../physical/prefetch-option.js';

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
    incrementals: z
      .union([z.array(z.string()).min(1), z.literal('discover')])
      .optional()
      .describe(
        'PostgreSQL 17+ incremental backups (pg_basebackup --incremental), combined with pg_combinebackup of their major before recovery. A list: the incremental directories oldest first, each taken on top of the one before, the first on top of the full backup in `key`. `discover`: the backup in `key` (or picked under `prefix`, then any backup taken on top of it) is the newest of the chain, and each parent is found among the backups under `prefix` (or beside `key`) by its backup_label (the INCREMENTAL FROM LSN of a backup is the START WAL LOCATION of its parent). The chain is checked before anything is downloaded: a missing or misplaced backup fails with BACKUP_CHAIN_BROKEN naming it.',
      ),
    wal: z
      .strictObject({
        store: z.string().optional().describe("Store of the WAL archive; default: the base backup's store."),
        prefix: z
          .string()
          .describe(
            'Where archive_command put the segments (`wal/` for `aws s3 cp %p s3://bucket/wal/%f`); `.gz` segments are read too.',
          ),
        prefetch: walPrefetchOption(
          'Segments pgdrill downloads ahead of recovery, in parallel, into a private spool (at most this many on disk); 0 fetches each file only when PostgreSQL asks for it, one at a time, still in the pgdrill process (the server never reads the archive itself).',
        ),
      })
      .describe('The WAL archive, fetched ahead of recovery by pgdrill and handed to restore_command.'),
  })
  .superRefine((options, ctx) => {
    if (Array.isArray(options.incrementals) && options.key === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['incrementals'],
        message:
          'a list of incrementals builds on the full backup in `key`; with `prefix`, use `incrementals: discover`',
      });
  })
  .describe('A pg_basebackup result plus a WAL archive (the layout of `archive_command = cp %p …/%f` or `aws s3 cp`).');

export type BasebackupOptions = z.output<typeof basebackupOptionsSchema>;
