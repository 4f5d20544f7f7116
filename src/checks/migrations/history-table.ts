import type { Queryable } from '../check.js';
import { lookupTable, type QualifiedName } from '../relation-names.js';
import type { AppliedMigration } from './tool.js';

/** The first candidate that exists in the restored database, or undefined when none does. */
export async function findHistoryTable(db: Queryable, candidates: QualifiedName[]): Promise<QualifiedName | undefined> {
  for (const candidate of candidates) {
    if (await lookupTable(db, candidate)) return candidate;
  }
  return undefined;
}

/** Keeps the latest row (highest rank) per key, in the order of each key's latest row. */
export function keepLatestPerKey(rows: AppliedMigration[]): AppliedMigration[] {
  const latest = new Map<string, AppliedMigration>();
  for (const row of rows) {
    const seen = latest.get(row.key);
    if (!seen || row.rank > seen.rank) latest.set(row.key, row);
  }
  return [...latest.values()].sort((a, b) => a.rank - b.rank);
}

/** A text, integer or bigint column as a string; null stays null. */
export function toText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
