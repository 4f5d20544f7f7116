import { z } from 'zod';
import { walPrefetchOption } from '../physical/prefetch-option.js';

export const pgbackrestOptionsSchema = z
  .strictObject({
    database: z.string().default('postgres').describe('The database of the restored cluster that checks connect to.'),
    store: z
      .string()
      .describe(
        'Name of an entry under `storage`: an S3 store (repo1-type=s3) or a filesystem store (repo1-type=posix).',
      ),
    path: z.string().default('/pgbackrest').describe('repo1-path: the repository inside the store.'),
    stanza: z.string().describe('The pgBackRest stanza.'),
    set: z.string().default('latest').describe('Backup set label to restore, or `latest`.'),
    verifyTls: z
      .boolean()
      .default(true)
      .describe(
        'repo1-storage-verify-tls. pgBackRest matches certificates by DNS name only, so an endpoint given as an IP address with a self-signed certificate needs false.',
      ),
    cipherPassEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional()
      .describe('Environment variable holding repo1-cipher-pass when the repository is encrypted (aes-256-cbc).'),
    prefetch: walPrefetchOption(
      'WAL segments `archive-get` fetches ahead into its queue (archive-async, archive-get-queue-max = prefetch segments, process-max = up to 4). 0: one segment per request.',
    ),
  })
  .describe('A pgBackRest repository; restored with `pgbackrest restore`, WAL through `archive-get`.');

export type PgbackrestOptions = z.output<typeof pgbackrestOptionsSchema>;
