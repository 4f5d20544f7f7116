import type { Engine, StartedServer } from '../engines/engine.js';
import type { DrillResult, RecoveryReport } from '../results.js';
import type { ResolvedDrill, ResolvedSuite } from '../suite/resolved-suite.js';
import type { CleanupStack } from '../util/cleanup-stack.js';
import type { DrillWorkspace } from './drill-workspace.js';
import type { DiskReservation } from '../fleet/disk-budget.js';

/** What a restore path (logical or physical) gets from runDrill. */
export interface RestoreContext {
  suite: ResolvedSuite;
  drill: ResolvedDrill;
  engine: Engine;
  workspace: DrillWorkspace;
  /** Resources released when the drill ends (the server, store clients). */
  stack: CleanupStack;
  /** Filled as the restore goes: backup provenance, engine, timings, recovery. */
  result: DrillResult;
  signal: AbortSignal;
  env: Record<string, string | undefined>;
  /** Reserve the restore's estimated disk use once the backup's size is known, before fetching it. */
  disk?: DiskReservation;
  progress: { bytes: (read: number, total: number) => void; item: (line: string) => void };
  /** The stall watch: the restore names the phase it is in (download, restore, replay) for its message. */
  stall?: {
    phase(name: string, options?: { watched?: boolean }): void;
    beat(what: string): void;
    probe(what: string, read: () => Promise<string>): void;
  };
}

/** A restored database, ready for checks. */
export interface RestoreOutcome {
  server: StartedServer;
  database: string;
  /** One line for the restore step, e.g. `restored 2 archives into …`. */
  message: string;
  /** Table-level restore: what was selected, and what the dump held. */
  scope?: { only: { tables?: string[]; schemas?: string[] }; dumpedTables: string[] };
  recovery?: RecoveryReport;
}

/** Run `fn`, recording its duration in result.timings[key] (seconds). */
export async function timed<T>(result: DrillResult, key: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    result.timings![key] = Math.round(performance.now() - started) / 1000;
  }
}
