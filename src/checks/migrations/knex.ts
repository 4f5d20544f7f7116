/**
 * Knex: `knex_migrations` (id, name, batch, migration_time) records each file's name; no checksum, no failure
 * (a failed migration rolls back with its row). Files are those with one of Knex's default loadExtensions,
 * sorted by name (lodash sortBy: JavaScript string order).
 */
import { extname } from 'node:path';
import { quoteQualifiedName } from '../relation-names.js';
import { compareCodeUnits, listFiles } from './repository-files.js';
import type { MigrationTool } from './tool.js';

/** Knex's DEFAULT_LOAD_EXTENSIONS (lib/migrations/common/MigrationsLoader.js); `.mjs` is not among them. */
export const KNEX_EXTENSIONS = ['.co', '.coffee', '.eg', '.iced', '.js', '.cjs', '.litcoffee', '.ls', '.ts'];

export const knexTool: MigrationTool = {
  name: 'knex',
  historyTables: [{ schema: 'public', name: 'knex_migrations' }],
  defaultSchema: 'public',
  ordered: false,
  recordsChecksums: false,
  compareKeys: compareCodeUnits,
  async readRepository(dir) {
    const files = (await listFiles(dir)).filter((file) => KNEX_EXTENSIONS.includes(extname(file)));
    return { migrations: files.map((file) => ({ key: file, name: file, checksums: [] })), notes: [] };
  },
  async readHistory(db, table) {
    const rows = await db.query<{ id: number; name: string }>(
      `select id, name from ${quoteQualifiedName(table)} order by id`,
    );
    return {
      applied: rows.map((row) => ({ key: row.name, name: row.name, checksum: null, success: true, rank: row.id })),
      notes: [],
    };
  },
};
