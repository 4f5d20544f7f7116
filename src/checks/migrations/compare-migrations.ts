import type { AppliedMigration, MigrationHistory, RepoMigration, Repository } from './tool.js';

/** One migration that does not match, named as users know it, with the facts that show why. */
export interface MigrationFinding {
  name: string;
  detail: string;
}

export interface MigrationsComparison {
  /** Applied, but the file's checksum (or Flyway description) differs from the recorded one. */
  modified: MigrationFinding[];
  /** Applied, within the repository's range, but its file is not there (deleted or renamed). */
  missing: MigrationFinding[];
  /** Applied, and newer than anything in the repository: the database is ahead of it. */
  extra: MigrationFinding[];
  /** Recorded as failed. */
  failed: MigrationFinding[];
  /** Applied after a newer migration, or left unapplied below an applied one (tools that care about order). */
  outOfOrder: MigrationFinding[];
  /** In the repository, not applied yet. */
  pending: MigrationFinding[];
  /** How many applied migrations match their files. */
  matched: number;
  notes: string[];
}

export interface CompareOptions {
  /** The tool refuses or skips migrations out of version order (Flyway, node-pg-migrate, Drizzle). */
  ordered: boolean;
  compareKeys(a: string, b: string): number;
}

/** What classifying one history row needs to know. */
interface Pairing {
  files: Map<string, RepoMigration>;
  /** The repository's newest versioned migration: history rows beyond it are "extra", not "missing". */
  newestFile: RepoMigration | undefined;
  options: CompareOptions;
  result: MigrationsComparison;
}

/** Pairs repository migrations with history rows by key and sorts every difference into its kind. */
export function compareMigrations(
  repo: Repository,
  history: MigrationHistory,
  options: CompareOptions,
): MigrationsComparison {
  const result: MigrationsComparison = {
    modified: [],
    missing: [],
    extra: [],
    failed: [],
    outOfOrder: [],
    pending: [],
    matched: 0,
    notes: [],
  };
  result.notes.push(...repo.notes, ...history.notes);
  const files = new Map(repo.migrations.map((migration) => [migration.key, migration]));
  const pairing = {
    files,
    newestFile: findNewest(
      repo.migrations.filter((m) => !m.repeatable),
      options,
    ),
    options,
    result,
  };
  for (const entry of history.applied) classifyApplied(entry, pairing);
  const applied = new Map(history.applied.map((entry) => [entry.key, entry]));
  const newestApplied = findNewest(
    history.applied.filter((entry) => entry.success && !entry.repeatable),
    options,
  );
  for (const migration of repo.migrations) {
    if (applied.has(migration.key)) continue;
    if (
      !migration.repeatable &&
      history.baseline !== undefined &&
      options.compareKeys(migration.key, history.baseline) <= 0
    ) {
      result.notes.push(`${migration.name}: at or below the baseline, not applied by design`);
    } else if (
      options.ordered &&
      !migration.repeatable &&
      newestApplied &&
      options.compareKeys(migration.key, newestApplied.key) < 0
    ) {
      result.outOfOrder.push({
        name: migration.name,
        detail: `not applied, but the newer ${nameOf(newestApplied, files)} is`,
      });
    } else {
      result.pending.push({
        name: migration.name,
        detail: migration.fileMissing ? 'not applied, and its file is absent' : 'not applied',
      });
    }
  }
  if (options.ordered) result.outOfOrder.push(...findAppliedOutOfOrder(history.applied, files, options));
  return result;
}

function classifyApplied(entry: AppliedMigration, { files, newestFile, options, result }: Pairing): void {
  const file = files.get(entry.key);
  const name = file?.name ?? entry.name;
  if (!entry.success) {
    result.failed.push({ name, detail: `recorded as failed${entry.failure ? `: ${entry.failure}` : ''}` });
  } else if (!file) {
    const ahead = !entry.repeatable && (!newestFile || options.compareKeys(entry.key, newestFile.key) > 0);
    if (ahead)
      result.extra.push({
        name,
        detail: `applied, but the repository ${newestFile ? `ends at ${newestFile.name}` : 'has no migrations'}`,
      });
    else result.missing.push({ name, detail: 'applied, but no such file in the repository' });
  } else if (file.fileMissing) {
    result.missing.push({ name, detail: 'applied, but its file is absent' });
  } else if (entry.checksum !== null && file.checksums.length > 0 && !file.checksums.includes(entry.checksum)) {
    const detail = `checksum ${entry.checksum} in the history, ${file.checksums[0]} for the file`;
    if (file.repeatable)
      result.pending.push({ name, detail: `changed since applied (${detail}): runs again on the next migrate` });
    else result.modified.push({ name, detail });
  } else if (
    entry.description !== undefined &&
    file.description !== undefined &&
    entry.description !== file.description
  ) {
    result.modified.push({
      name,
      detail: `description "${entry.description}" in the history, "${file.description}" for the file`,
    });
  } else {
    result.matched += 1;
  }
}

/** Successful versioned migrations applied after one with a higher version, in the order they were applied. */
function findAppliedOutOfOrder(
  applied: AppliedMigration[],
  files: Map<string, RepoMigration>,
  options: CompareOptions,
): MigrationFinding[] {
  const findings: MigrationFinding[] = [];
  let newest: AppliedMigration | undefined;
  for (const entry of [...applied].sort((a, b) => a.rank - b.rank)) {
    if (!entry.success || entry.repeatable) continue;
    if (newest && options.compareKeys(entry.key, newest.key) < 0) {
      findings.push({ name: nameOf(entry, files), detail: `applied after the newer ${nameOf(newest, files)}` });
    } else {
      newest = entry;
    }
  }
  return findings;
}

function findNewest<T extends { key: string }>(items: T[], options: CompareOptions): T | undefined {
  return items.reduce<T | undefined>(
    (newest, item) => (!newest || options.compareKeys(item.key, newest.key) > 0 ? item : newest),
    undefined,
  );
}

function nameOf(entry: AppliedMigration, files: Map<string, RepoMigration>): string {
  return files.get(entry.key)?.name ?? entry.name;
}
