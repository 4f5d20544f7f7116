import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { defineCheck } from '../check.js';
import { formatQualifiedName, isQualifiedName } from '../relation-names.js';
import { compareMigrations } from './compare-migrations.js';
import { formatComparison } from './format-comparison.js';
import { findHistoryTable } from './history-table.js';
import { historyTableCandidates, MIGRATION_TOOLS, selectMigrationTool } from './select-tool.js';

const tableName = () => z.string().refine(isQualifiedName, 'expected schema.table or table');
const columnName = () => z.string().min(1);

const genericOptions = z.strictObject({
  table: tableName().describe('History table: `schema.table`, or `table` in schema public.'),
  versionColumn: columnName().describe(
    'Column holding the applied version, compared with the leading digits of each file name (or the name without .sql).',
  ),
  checksumColumn: columnName()
    .optional()
    .describe('Column holding a checksum of each file; without it, edited files cannot be detected.'),
  algorithm: z
    .enum(['sha256', 'md5', 'crc32', 'none'])
    .optional()
    .describe(
      'How checksumColumn was computed over the file bytes: hex sha256 or md5, or crc32 as a signed or unsigned integer. Default: sha256 when checksumColumn is set.',
    ),
  successColumn: columnName().optional().describe('Boolean column that is false for a failed migration.'),
});

const migrationsOptions = z
  .strictObject({
    tool: z
      .enum(MIGRATION_TOOLS)
      .describe(
        'The migration tool: flyway, knex, node-pg-migrate, drizzle, prisma, confiture, or generic (described by `generic`).',
      ),
    dir: z
      .string()
      .trim()
      .min(1)
      .describe(
        'Directory of the migration files, relative to the suite file (Drizzle: the folder with meta/_journal.json; Prisma: prisma/migrations).',
      ),
    table: tableName()
      .optional()
      .describe(
        "History table when not the tool's default: `schema.table`, or `table` in the tool's schema (drizzle for Drizzle, else public).",
      ),
    pending: z
      .enum(['warn', 'fail'])
      .default('warn')
      .describe(
        'Migrations in the directory not applied yet: `warn` passes with a warning line, `fail` fails the check.',
      ),
    generic: genericOptions
      .optional()
      .describe('For tool generic: the history table and its columns (exact, case-sensitive names).'),
  })
  .superRefine((options, ctx) => {
    if (options.tool === 'generic' && !options.generic) {
      ctx.addIssue({
        code: 'custom',
        path: ['generic'],
        message: 'tool generic needs generic: { table, versionColumn }',
      });
    }
    if (options.tool !== 'generic' && options.generic) {
      ctx.addIssue({
        code: 'custom',
        path: ['generic'],
        message: `generic is only for tool generic (tool is ${options.tool})`,
      });
    }
    if (options.tool === 'generic' && options.table !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'for tool generic, set the table in generic.table' });
    }
    const algorithm = options.generic?.algorithm;
    if (algorithm !== undefined && algorithm !== 'none' && !options.generic?.checksumColumn) {
      ctx.addIssue({
        code: 'custom',
        path: ['generic', 'algorithm'],
        message: `algorithm ${algorithm} needs checksumColumn`,
      });
    }
  });

export type MigrationsOptions = z.output<typeof migrationsOptions>;

export const migrationsCheck = defineCheck({
  type: 'migrations',
  description:
    'Compares the migration history table with the migration files: modified (checksum), missing, extra, failed, out-of-order and pending migrations, each named.',
  options: migrationsOptions,
  label: (options) => `migrations ${options.tool} ${options.dir}${options.table ? ` (${options.table})` : ''}`,
  async run({ db, suiteDir }, options) {
    const tool = selectMigrationTool(options);
    const repository = await tool.readRepository(await resolveDirectory(suiteDir, options.dir));
    const candidates = historyTableCandidates(tool, options.table);
    const table = await findHistoryTable(db, candidates);
    const expected = `history matches ${options.dir}`;
    if (!table) {
      const names = candidates.map(formatQualifiedName).join(' or ');
      return {
        status: 'failed',
        message: `no ${tool.name} history table ${names} in the restored database`,
        expected,
        actual: 'no history table',
      };
    }
    const comparison = compareMigrations(repository, await tool.readHistory(db, table), tool);
    return formatComparison(comparison, {
      tool: tool.name,
      dir: options.dir,
      pending: options.pending,
      recordsChecksums: tool.recordsChecksums,
    });
  },
});

async function resolveDirectory(suiteDir: string, dir: string): Promise<string> {
  const path = resolve(suiteDir, dir);
  const found = await stat(path).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new ConfigError('MIGRATIONS_DIR_NOT_FOUND', `migrations directory ${dir} does not exist (${path})`, {
      hint: 'dir is relative to the suite file; point it at the migration files of the release the backup came from',
    });
  }
  return path;
}
