/**
 * node-pg-migrate: `pgmigrations` (id, name, run_on) records each file's name without its extension; no
 * checksum. Every file of the directory except dotfiles is a migration, sorted by numeric prefix (17 digits are a
 * UTC timestamp) and then by name; by default (checkOrder) it refuses a pending migration that sorts before an
 * applied one.
 */
import { basename, extname } from 'node:path';
import { quoteQualifiedName } from '../relation-names.js';
import { listFiles } from './repository-files.js';
import type { MigrationTool } from './tool.js';

/** utils/fileNameUtils getNumericPrefix, or undefined where node-pg-migrate would refuse the name. */
function readNumericPrefix(name: string): number | undefined {
  const prefix = /^\d+/.exec(name)?.[0];
  if (prefix === undefined) return undefined;
  if (prefix.length !== 17) return Number(prefix);
  const part = (from: number, to: number) => prefix.slice(from, to);
  return Date.parse(
    `${part(0, 4)}-${part(4, 6)}-${part(6, 8)}T${part(8, 10)}:${part(10, 12)}:${part(12, 14)}.${part(14, 17)}Z`,
  );
}

/** utils/comparators compareMigrationFileNames: numeric prefix first, then a numeric, punctuation-blind collation. */
export function compareNodePgMigrateNames(a: string, b: string): number {
  const [x, y] = [readNumericPrefix(a), readNumericPrefix(b)];
  const byPrefix = x !== undefined && y !== undefined ? x - y : 0;
  return (
    byPrefix ||
    a.localeCompare(b, undefined, { usage: 'sort', numeric: true, sensitivity: 'variant', ignorePunctuation: true })
  );
}

export const nodePgMigrateTool: MigrationTool = {
  name: 'node-pg-migrate',
  historyTables: [{ schema: 'public', name: 'pgmigrations' }],
  defaultSchema: 'public',
  ordered: true,
  recordsChecksums: false,
  compareKeys: compareNodePgMigrateNames,
  async readRepository(dir) {
    const files = (await listFiles(dir)).filter((file) => !file.startsWith('.'));
    const migrations = files.map((file) => ({ key: basename(file, extname(file)), name: file, checksums: [] }));
    migrations.sort((a, b) => compareNodePgMigrateNames(a.name, b.name));
    const unnumbered = files.filter((file) => readNumericPrefix(file) === undefined);
    return {
      migrations,
      notes: unnumbered.length ? [`no numeric prefix (node-pg-migrate refuses these): ${unnumbered.join(', ')}`] : [],
    };
  },
  async readHistory(db, table) {
    // The order node-pg-migrate itself reads them in (runner.js getRunMigrations).
    const rows = await db.query<{ name: string }>(`select name from ${quoteQualifiedName(table)} order by run_on, id`);
    return {
      applied: rows.map((row, rank) => ({ key: row.name, name: row.name, checksum: null, success: true, rank })),
      notes: [],
    };
  },
};
