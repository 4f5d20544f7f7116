/**
 * confiture (fraiseql/confiture, Python): a tracking table — `tb_confiture` by default in current releases, the
 * early releases' `confiture_migrations` — with version, name, applied_at and checksum, the SHA-256 (hex) of the migration
 * file's bytes (core/checksum.py compute_checksum), NULL for baselined rows. Migrations are `<version>_<name>.py`
 * (not `_*` or `__init__.py`) and `<version>_<name>.up.sql` directly in the directory; the version is the file name
 * up to its first `_`. A failed migration rolls back with its row: there is no failure flag.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { quoteQualifiedName } from '../relation-names.js';
import { toText } from './history-table.js';
import { compareCodeUnits, hashHex, listFiles } from './repository-files.js';
import type { MigrationTool, RepoMigration } from './tool.js';

/** _migrator/discovery.py _version_from_migration_filename. */
export function readConfitureVersion(file: string): string {
  return file.replace(/\.(up|down)\.sql$/, '').split('_')[0] ?? file;
}

function isConfitureMigration(file: string): boolean {
  return (file.endsWith('.py') && file !== '__init__.py' && !file.startsWith('_')) || file.endsWith('.up.sql');
}

export const confitureTool: MigrationTool = {
  name: 'confiture',
  historyTables: [
    { schema: 'public', name: 'tb_confiture' },
    { schema: 'public', name: 'confiture_migrations' },
  ],
  defaultSchema: 'public',
  ordered: false,
  recordsChecksums: true,
  compareKeys: compareCodeUnits,
  async readRepository(dir) {
    const migrations: RepoMigration[] = [];
    for (const file of (await listFiles(dir)).filter(isConfitureMigration)) {
      const checksum = hashHex('sha256', await readFile(join(dir, file)));
      migrations.push({ key: readConfitureVersion(file), name: file, checksums: [checksum] });
    }
    migrations.sort((a, b) => compareCodeUnits(a.key, b.key));
    return { migrations, notes: [] };
  },
  async readHistory(db, table) {
    const rows = await db.query<{ version: string; name: string; checksum: string | null }>(
      `select version, name, checksum from ${quoteQualifiedName(table)} order by applied_at, version`,
    );
    const applied = rows.map((row, rank) => ({
      key: row.version,
      name: `${row.version}_${row.name}`,
      checksum: toText(row.checksum),
      success: true,
      rank,
    }));
    return { applied, notes: [] };
  },
};
