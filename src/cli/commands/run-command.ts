import {
  evidenceFormatOf,
  formatSummary,
  isDrillError,
  loadSuites,
  parseByteSize,
  parseConcurrency,
  parseShard,
  parseSigningKey,
  publishRun,
  runSuites,
  writeJUnitLoadError,
  type RunResult,
} from '../../index.js';
import { createEventRenderer } from '../render-events.js';
import { runInterruptible } from '../signals.js';
import { writeReports } from '../write-reports.js';

export interface RunFlags {
  engine?: 'auto' | 'local' | 'docker';
  only?: string[];
  junit?: string;
  json?: string;
  report?: string[];
  manifest?: string;
  keepOnFailure?: boolean;
  /** Prometheus textfile for every drill of the run. */
  metrics?: string;
  shard?: string;
  concurrency?: string;
  diskBudget?: string;
  diskCheck?: boolean;
}

/** `pgdrill run`: load → run → reports → exit code. */
export async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  return runInterruptible(async (signal) => {
    // Report names and the signing key are checked before anything is restored.
    for (const file of flags.report ?? []) evidenceFormatOf(file);
    const signingKey = process.env.PGDRILL_SIGNING_KEY ? parseSigningKey(process.env.PGDRILL_SIGNING_KEY) : undefined;
    const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
    const concurrency = parseConcurrency(flags.concurrency ?? '1');
    const disk = { check: flags.diskCheck !== false, budgetBytes: flags.diskBudget === undefined ? undefined : parseByteSize(flags.diskBudget) };
    let suites;
    try {
      suites = await loadSuites(files);
    } catch (error) {
      if (flags.junit && isDrillError(error))
        await writeJUnitLoadError(files, { code: error.code, message: error.message, hint: error.hint, details: error.details }, flags.junit);
      throw error;
    }
    const emit = createEventRenderer(process.stderr, { tagDrills: concurrency > 1 });
    const result = await runSuites(suites, { engine: flags.engine, only: flags.only, keepOnFailure: flags.keepOnFailure, emit, signal, shard, concurrency, disk });
    await writeReports(result, flags, signingKey);
    // History, metrics and notifications only warn when they fail: the exit code stays the run's.
    await publishRun(suites, result, { metricsFile: flags.metrics, emit, signal });
    process.stdout.write(`\n${formatSummary(result)}`);
    return result.exitCode;
  });
}
