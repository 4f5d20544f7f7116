import { z } from 'zod';

export const decryptSchema = z
  .strictObject({
    openssl: z
      .enum(['aes-256-cbc', 'aes-192-cbc', 'aes-128-cbc'])
      .default('aes-256-cbc')
      .describe('Cipher the archive was encrypted with by `openssl enc -<cipher>`.'),
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
      .describe('Name of the environment variable holding the passphrase (never the passphrase itself).'),
    pbkdf2: z
      .boolean()
      .default(true)
      .describe('Whether the archive was encrypted with `-pbkdf2` (false: legacy EVP_BytesToKey).'),
    iterations: z
      .number()
      .int()
      .positive()
      .default(10000)
      .describe('`-iter` used at encryption (openssl default 10000).'),
    digest: z
      .enum(['sha256', 'sha1', 'md5'])
      .default('sha256')
      .describe('`-md` used at encryption (openssl default sha256).'),
  })
  .describe('Decrypt an archive made with `openssl enc -e -<cipher> -pbkdf2 -salt`.');

const pickSchema = z
  .enum(['latest', 'oldest'])
  .default('latest')
  .describe('Which backup under `prefix` to restore: the newest (`latest`) or the oldest.');

/** One archive: either an exact `key`, or the latest/oldest under `prefix` (filtered by `pattern`). */
export const archiveSchema = z.strictObject({
  key: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Exact key (S3) or path (filesystem) of the archive. A directory-format dump is the prefix holding toc.dat.',
    ),
  prefix: z.string().optional().describe('Pick an archive under this prefix (with `pick`, `pattern`, `orderBy`).'),
  pick: pickSchema,
  pattern: z.string().optional().describe('Regular expression the key must match, e.g. `orders-.*\\.dump\\.gz$`.'),
  orderBy: z
    .enum(['lastModified', 'keyDate'])
    .default('lastModified')
    .describe('How "latest" is decided: the object\'s LastModified, or a date written in the key.'),
  format: z
    .enum(['auto', 'custom', 'directory', 'tar', 'plain'])
    .default('auto')
    .describe('pg_dump format; `auto` reads the archive header.'),
  compression: z
    .enum(['auto', 'none', 'gzip', 'zstd'])
    .default('auto')
    .describe('Outer compression of the file (as in `pg_dump | gzip`); `auto` reads the magic bytes.'),
  decrypt: decryptSchema.optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'expected 64 hex digits')
    .optional()
    .describe('Expected SHA-256 of the stored object; the restore fails when the bytes read differ.'),
  dataOnly: z
    .boolean()
    .default(false)
    .describe('Restore only data (`--data-only`), e.g. a data dump after a schema dump.'),
  schemaOnly: z.boolean().default(false).describe('Restore only the schema (`--schema-only`).'),
});

export const pgdumpOptionsSchema = archiveSchema
  .extend({
    store: z.string().describe('Name of an entry under `storage`.'),
    archives: z
      .array(
        archiveSchema.describe(
          'One archive: the same keys that pick and read a single archive (key or prefix, pattern, format, decrypt, …).',
        ),
      )
      .min(1)
      .optional()
      .describe(
        'Several archives restored in order into one database (schema dump first, then data-only dumps). Replaces key/prefix.',
      ),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_$-]*$/, 'expected a plain database name')
      .default('restored')
      .describe('Name of the database the archive is restored into.'),
    jobs: z
      .union([z.literal('auto'), z.number().int().min(1).max(64)])
      .default('auto')
      .describe(
        '`pg_restore --jobs`. `auto`: the number of cores for custom and directory archives, 1 where parallel restore is impossible (tar, plain).',
      ),
    roles: z
      .enum(['create', 'skip'])
      .default('create')
      .describe(
        '`create`: create every role the archive names (NOLOGIN) so owners and grants restore as in production. `skip`: `--no-owner --no-privileges`.',
      ),
    only: z
      .strictObject({
        tables: z
          .array(z.string())
          .optional()
          .describe('Restore only these tables (`schema.table`), as in `pg_restore -t`.'),
        schemas: z.array(z.string()).optional().describe('Restore only these schemas (`pg_restore -n`).'),
      })
      .optional()
      .describe('Table-level restore. pgdrill then also checks that nothing else was restored.'),
  })
  .describe(
    'A logical backup made by pg_dump: custom, directory, tar or plain SQL; optionally gzip/zstd-compressed and openssl-encrypted.',
  );

export type ArchiveOptions = z.output<typeof archiveSchema>;
export type PgdumpOptions = z.output<typeof pgdumpOptionsSchema>;
