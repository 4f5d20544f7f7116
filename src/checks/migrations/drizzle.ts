/**
 * Drizzle: `drizzle.__drizzle_migrations` (id, hash, created_at). The repository is `meta/_journal.json`, whose
 * entries name `<tag>.sql`; a row's created_at is its entry's `when` and its hash the SHA-256 of the file.
 * Drizzle applies only entries newer than the newest row, so an older unapplied entry is never applied.
 */
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { quoteQualifiedName } from '../relation-names.js';
import { toText } from './history-table.js';
import { compareNumericKeys, hashHex, readOptionalFile } from './repository-files.js';
import type { MigrationTool, RepoMigration } from './tool.js';

interface JournalEntry {
  when: number;
  tag: string;
}

/** drizzle-orm readMigrationFiles: SHA-256 of the file read as a string (`toString()`, UTF-8), in hex. */
export function computeDrizzleHash(file: Uint8Array): string {
  return hashHex('sha256', Buffer.from(file).toString());
}

async function readJournal(dir: string): Promise<JournalEntry[]> {
  const path = join(dir, 'meta', '_journal.json');
  const text = await readOptionalFile(path);
  if (text === undefined) {
    throw new ConfigError('MIGRATIONS_JOURNAL_NOT_FOUND', `Drizzle journal ${path} does not exist`, {
      hint: 'set dir to the folder drizzle-kit generates into (the one holding meta/_journal.json)',
    });
  }
  const entries = parseEntries(text.toString());
  if (!Array.isArray(entries) || !entries.every(isJournalEntry)) {
    throw new ConfigError('MIGRATIONS_JOURNAL_INVALID', `Drizzle journal ${path} has no valid entries list`, {
      hint: 'expected { "entries": [{ "when": <ms>, "tag": "0000_name" }, …] } as drizzle-kit writes it',
    });
  }
  return entries;
}

function parseEntries(text: string): unknown {
  try {
    return (JSON.parse(text) as { entries?: unknown } | null)?.entries;
  } catch {
    return undefined;
  }
}

function isJournalEntry(entry: unknown): entry is JournalEntry {
  const { when, tag } = (entry ?? {}) as Partial<JournalEntry>;
  return typeof when === 'number' && typeof tag === 'string';
}

export const drizzleTool: MigrationTool = {
  name: 'drizzle',
  historyTables: [{ schema: 'drizzle', name: '__drizzle_migrations' }],
  defaultSchema: 'drizzle',
  ordered: true,
  recordsChecksums: true,
  compareKeys: compareNumericKeys,
  async readRepository(dir) {
    const migrations: RepoMigration[] = [];
    for (const { when, tag } of await readJournal(dir)) {
      const file = await readOptionalFile(join(dir, `${tag}.sql`));
      const checksums = file === undefined ? [] : [computeDrizzleHash(file)];
      migrations.push({
        key: String(when),
        name: `${tag}.sql`,
        checksums,
        ...(file === undefined ? { fileMissing: true } : {}),
      });
    }
    return { migrations, notes: [] };
  },
  async readHistory(db, table) {
    const rows = await db.query<{ id: number; hash: string; created_at: string | null }>(
      `select id, hash, created_at::text as created_at from ${quoteQualifiedName(table)} order by id`,
    );
    const applied = rows.map((row) => ({
      key: String(row.created_at),
      name: `created_at ${row.created_at} (hash ${row.hash.slice(0, 12)}…)`,
      checksum: toText(row.hash),
      success: true,
      rank: row.id,
    }));
    return { applied, notes: [] };
  },
};
