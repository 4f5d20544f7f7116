import type { Queryable } from '../check.js';
import type { QualifiedName } from '../relation-names.js';

/** One migration as the repository holds it, identified the way its tool pairs files with history rows. */
export interface RepoMigration {
  /** Pairs the file with its history row: Flyway's normalised version, Knex's file name, Drizzle's `when`, … */
  key: string;
  /** What users see: `V2__add_orders.sql`, `20240101_init.cjs`, `0001_orders.sql`. */
  name: string;
  /** Checksums the tool would accept for this file, the one it records first; empty when it records none. */
  checksums: string[];
  /** Flyway's description (the part after `__`), compared with the history's when both are known. */
  description?: string;
  /** Re-applied whenever it changes (Flyway `R__`): a changed checksum means "pending", not "modified". */
  repeatable?: boolean;
  /** The repository lists it (Drizzle's journal, a Prisma directory) but the migration file is absent. */
  fileMissing?: boolean;
}

/** One migration the history table says was applied: the latest row for its key. */
export interface AppliedMigration {
  key: string;
  /** The name the history records (script, file or directory name), for when no file matches. */
  name: string;
  /** As recorded; null when the row carries none (a baseline, an old row). */
  checksum: string | null;
  description?: string;
  success: boolean;
  /** Why it failed, when the tool records it (Prisma's logs). */
  failure?: string;
  /** Position in the order the migrations were applied (Flyway's installed_rank, a serial id, …). */
  rank: number;
  repeatable?: boolean;
}

export interface Repository {
  /** In the order the tool applies them. */
  migrations: RepoMigration[];
  /** Files the tool would skip, and similar facts worth a line in the report. */
  notes: string[];
}

export interface MigrationHistory {
  applied: AppliedMigration[];
  /** Key of a baseline (Flyway): unapplied migrations at or below it are not pending. */
  baseline?: string;
  notes: string[];
}

/** What pgdrill knows about one migration tool: where its files and history are, and how it compares them. */
export interface MigrationTool {
  name: string;
  /** Where the tool keeps its history by default, tried in order. */
  historyTables: QualifiedName[];
  /** Schema for a `table` option written without one. */
  defaultSchema: string;
  /** The tool refuses (or silently skips) migrations applied or left out of version order. */
  ordered: boolean;
  /** The tool records checksums, so edits to applied files can be found. */
  recordsChecksums: boolean;
  /** Orders two keys as the tool orders its migrations. */
  compareKeys(a: string, b: string): number;
  readRepository(dir: string): Promise<Repository>;
  readHistory(db: Queryable, table: QualifiedName): Promise<MigrationHistory>;
}
