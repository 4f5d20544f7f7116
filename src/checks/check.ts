import type { z } from 'zod';
import type { BackupInventory } from '../inventory/inventory.js';
import type { RecoveryReport } from '../results.js';

/** The minimal database handle a check needs; the drill passes a `pg` client connected to the restored db. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

export interface CheckContext {
  /**
   * The restored database as a read-only, non-superuser role: every statement alone in a READ ONLY
   * transaction with a statement timeout. Every check that runs or interpolates what a suite wrote uses this.
   */
  db: Queryable;
  /**
   * pgdrill's own superuser connection, for pgdrill's own SQL only (amcheck, TimescaleDB catalog and
   * refreshes, manifest and schema snapshots). Never pass suite-supplied SQL to it. Defaults to `db`.
   */
  admin?: Queryable;
  /** Name of the restored database. */
  database: string;
  /** Seconds from drill start until the restored database was ready. */
  restoreSeconds: number;
  objectives: { rtoSeconds?: number; rpoSeconds?: number };
  /** Set for physical restores: how recovery ended. */
  recovery?: RecoveryReport;
  /** Directory of the suite file, for checks that read files relative to it. */
  suiteDir: string;
  signal?: AbortSignal;
  /** Set for inventory checks: what the source holds, listed without restoring anything. */
  inventory?: BackupInventory;
  /** The time inventory checks measure ages against. @default new Date() */
  now?: Date;
}

/**
 * `database` checks query the restored database; `inventory` checks judge the source's listing alone,
 * so they run before any restore, and a drill with only those starts no server at all.
 */
export type CheckKind = 'database' | 'inventory';

/** A check that ran. A check that does not hold is `failed`: a result, not an exception. */
export interface CheckOutcome {
  status: 'passed' | 'failed';
  message: string;
  expected?: string;
  actual?: string;
  /** Lines worth showing (the offending rows, sequences, indexes). */
  details?: string[];
}

export interface CheckDefinition<O = unknown> {
  /** The key users write in a suite: `rows`, `sequences`, … (public API: stable). */
  type: string;
  description: string;
  /** @default 'database' */
  kind?: CheckKind;
  options: z.ZodType<O>;
  /** Short display name for reports, e.g. `rows public.orders >= 1000`. */
  label(options: O): string;
  run(context: CheckContext, options: O): Promise<CheckOutcome>;
}

export function defineCheck<S extends z.ZodType>(definition: {
  type: string;
  description: string;
  kind?: CheckKind;
  options: S;
  label(options: z.output<S>): string;
  run(context: CheckContext, options: z.output<S>): Promise<CheckOutcome>;
}): CheckDefinition<z.output<S>> {
  return definition as CheckDefinition<z.output<S>>;
}
