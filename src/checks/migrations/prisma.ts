/**
 * Prisma Migrate: `_prisma_migrations` (id, checksum, finished_at, migration_name, logs, rolled_back_at,
 * started_at, applied_steps_count) and directories `<timestamp>_<name>/migration.sql`. A row with finished_at is
 * applied; one with neither finished_at nor rolled_back_at failed (deploy refuses to go on, P3009); rolled-back
 * rows are ignored, as Prisma ignores them.
 */
import { join } from 'node:path';
import { quoteQualifiedName } from '../relation-names.js';
import { keepLatestPerKey } from './history-table.js';
import { compareCodeUnits, hashHex, listDirectories, readOptionalFile } from './repository-files.js';
import type { AppliedMigration, MigrationTool, RepoMigration } from './tool.js';

/** schema-connector checksum.rs render_checksum: SHA-256 of the script, every byte as two hex digits. */
export function computePrismaChecksum(script: string): string {
  return hashHex('sha256', script);
}

/**
 * checksum.rs script_matches_checksum accepts the script as is, with CRLF turned into LF and with LF turned into
 * CRLF (git may change line endings), and — for rows written before prisma-engines#1887 — hex digits not
 * zero-padded.
 */
export function acceptedPrismaChecksums(script: string): string[] {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')].map(
    computePrismaChecksum,
  );
  const unpadded = variants.map((hex) => (hex.match(/../g) ?? []).map((byte) => byte.replace(/^0/, '')).join(''));
  return [...new Set([...variants, ...unpadded])];
}

interface PrismaRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

export const prismaTool: MigrationTool = {
  name: 'prisma',
  historyTables: [{ schema: 'public', name: '_prisma_migrations' }],
  defaultSchema: 'public',
  ordered: false,
  recordsChecksums: true,
  compareKeys: compareCodeUnits,
  async readRepository(dir) {
    const migrations: RepoMigration[] = [];
    for (const name of await listDirectories(dir)) {
      const file = await readOptionalFile(join(dir, name, 'migration.sql'));
      const checksums = file === undefined ? [] : acceptedPrismaChecksums(file.toString('utf8'));
      migrations.push({ key: name, name, checksums, ...(file === undefined ? { fileMissing: true } : {}) });
    }
    return { migrations, notes: [] };
  },
  async readHistory(db, table) {
    // Prisma lists its rows by started_at (load_migrations_table).
    const rows = await db.query<PrismaRow>(
      `select migration_name, checksum, finished_at, rolled_back_at, logs from ${quoteQualifiedName(table)} order by started_at`,
    );
    const rolledBack = rows.filter((row) => row.rolled_back_at !== null).map((row) => row.migration_name);
    const applied: AppliedMigration[] = rows.flatMap((row, rank) =>
      row.rolled_back_at !== null
        ? []
        : [
            {
              key: row.migration_name,
              name: row.migration_name,
              checksum: row.checksum,
              success: row.finished_at !== null,
              ...(row.finished_at === null && row.logs ? { failure: firstLine(row.logs) } : {}),
              rank,
            },
          ],
    );
    const notes = rolledBack.length ? [`rolled back (ignored, as Prisma does): ${rolledBack.join(', ')}`] : [];
    return { applied: keepLatestPerKey(applied), notes };
  },
};

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
