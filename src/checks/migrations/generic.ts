/**
 * Any other tool, described by its history table: which column holds the version, and optionally the checksum
 * (with the algorithm over the file's bytes) and a success flag. Migrations are the `.sql` files of the directory
 * except `*.down.sql`; a file's version is its leading digits (`0001_init.sql` → 1, `20240101120000_x.up.sql`), or
 * its name without `.up.sql`/`.sql` when it has none.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { quoteIdent, quoteQualifiedName, type QualifiedName } from '../relation-names.js';
import { toText } from './history-table.js';
import { compareNumericKeys, hashHex, listFiles } from './repository-files.js';
import type { MigrationTool, RepoMigration } from './tool.js';

export type ChecksumAlgorithm = 'sha256' | 'md5' | 'crc32' | 'none';

export interface GenericHistory {
  table: QualifiedName;
  versionColumn: string;
  checksumColumn?: string;
  algorithm: ChecksumAlgorithm;
  successColumn?: string;
}

/** Digits compare as numbers (`000001` is `1`, as a bigint column stores it); anything else as written. */
export function readGenericVersion(text: string): string {
  const digits = /^\d+/.exec(text)?.[0];
  if (digits !== undefined) return BigInt(digits).toString();
  return text.replace(/(\.up)?\.sql$/, '');
}

/** Checksums of the file's bytes as such a column may hold them: hex (lower case), CRC-32 signed or unsigned. */
export function computeGenericChecksums(file: Uint8Array, algorithm: ChecksumAlgorithm): string[] {
  if (algorithm === 'none') return [];
  if (algorithm === 'crc32') {
    const unsigned = crc32(file);
    return [...new Set([String(unsigned | 0), String(unsigned)])];
  }
  return [hashHex(algorithm, file)];
}

function isSuccess(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

export function createGenericTool(history: GenericHistory): MigrationTool {
  const { table, versionColumn, checksumColumn, algorithm, successColumn } = history;
  return {
    name: 'generic',
    historyTables: [table],
    defaultSchema: 'public',
    ordered: false,
    recordsChecksums: checksumColumn !== undefined && algorithm !== 'none',
    compareKeys: compareNumericKeys,
    async readRepository(dir) {
      const files = (await listFiles(dir)).filter((file) => file.endsWith('.sql') && !file.endsWith('.down.sql'));
      const migrations: RepoMigration[] = [];
      for (const file of files) {
        const checksums = checksumColumn ? computeGenericChecksums(await readFile(join(dir, file)), algorithm) : [];
        migrations.push({ key: readGenericVersion(file), name: file, checksums });
      }
      return { migrations: migrations.sort((a, b) => compareNumericKeys(a.key, b.key)), notes: [] };
    },
    async readHistory(db, historyTable) {
      const columns = [`${quoteIdent(versionColumn)}::text as version`];
      if (checksumColumn) columns.push(`${quoteIdent(checksumColumn)}::text as checksum`);
      if (successColumn) columns.push(`${quoteIdent(successColumn)} as success`);
      const rows = await db.query<{ version: string; checksum?: string | null; success?: unknown }>(
        `select ${columns.join(', ')} from ${quoteQualifiedName(historyTable)}`,
      );
      const applied = rows.map((row, rank) => ({
        key: readGenericVersion(row.version),
        name: row.version,
        checksum: algorithm === 'crc32' ? toText(row.checksum) : (toText(row.checksum)?.toLowerCase() ?? null),
        success: successColumn ? isSuccess(row.success) : true,
        rank,
      }));
      return { applied, notes: [] };
    },
  };
}
