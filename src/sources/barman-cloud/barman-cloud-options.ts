import { z } from 'zod';
import { walPrefetchOption } from '../physical/prefetch-option.js';

export const barmanCloudOptionsSchema = z
  .strictObject({
    database: z.string().default('postgres').describe('The database of the restored cluster that checks connect to.'),
    store: z.string().describe('Name of an S3 entry under `storage` (the bucket barman-cloud-backup wrote to).'),
    prefix: z
      .string()
      .default('')
      .describe('The path inside the bucket of the destination URL (`s3://bucket/<prefix>`).'),
    server: z.string().describe('The barman server name (CloudNativePG: the cluster name).'),
    backup: z.string().default('latest').describe('Backup id to restore, or `latest` (the newest with status DONE).'),
    prefetch: walPrefetchOption(
      'WAL segments pgdrill fetches ahead of recovery, in parallel, into a private spool (plain and gzip files read by pgdrill, others by barman-cloud-wal-restore). 0: barman-cloud-wal-restore in restore_command, one segment per request.',
    ),
  })
  .describe(
    'A backup written by barman-cloud-backup (the format CloudNativePG uses); WAL through barman-cloud-wal-restore.',
  );

export type BarmanCloudOptions = z.output<typeof barmanCloudOptionsSchema>;
