import {
  createSuiteRedactor,
  isDrillError,
  loadSuites,
  parseByteSize,
  parseConcurrency,
  parseShard,
  parseSigningKey,
} from '../light-api.js';
import { runInterruptible } from '../signals.js';
import { selectDrills } from '../select-drills.js';

export interface RunFlags {
  engine?: 'auto' | 'local' | 'docker';
  /** `--drill` (repeatable). */
  drill?: string[];
  /** `--only`, the older name of `--drill`. */
  only?: string[];
  /** `--tag` (repeatable). */
  tag?: string[];
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

/**
 * `pgdrill run`: load → select → run → reports → exit code. The suites are loaded and the flags checked
 * before the library's heavy half (the AWS SDK, testcontainers, pg, the reporters) is imported.
 */
export async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  return runInterruptible(async (signal) => {
    const signingKey = process.env.PGDRILL_SIGNING_KEY ? parseSigningKey(process.env.PGDRILL_SIGNING_KEY) : undefined;
    const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
    const concurrency = parseConcurrency(flags.concurrency ?? '1');
    const disk = {
      check: flags.diskCheck !== false,
      budgetBytes: flags.diskBudget === undefined ? undefined : parseByteSize(flags.diskBudget),
    };
    let suites: ReturnType<typeof selectDrills>;
    try {
      suites = selectDrills(await loadSuites(files), {
        names: [...(flags.drill ?? []), ...(flags.only ?? [])],
        tags: flags.tag,
      });
    } catch (error) {
      if (flags.junit && isDrillError(error)) {
        const { writeJUnitLoadError } = await import('../../index.js');
        await writeJUnitLoadError(
          files,
          { code: error.code, message: error.message, hint: error.hint, details: error.details },
          flags.junit,
        );
      }
      throw error;
    }
    const { evidenceFormatOf, formatSummary, publishRun, redactError, runSuites } = await import('../../index.js');
    const { createEventRenderer } = await import('../render-events.js');
    const { writeReports } = await import('../write-reports.js');
    // Report names are checked before anything is restored.
    for (const file of flags.report ?? []) evidenceFormatOf(file);
    // Secrets the suites name (and server passwords, added by the drills) are redacted from every line printed.
    const redact = createSuiteRedactor(suites, process.env);
    const emit = createEventRenderer(process.stderr, { tagDrills: concurrency > 1, redact: redact.text });
    const result = await runSuites(suites, {
      engine: flags.engine,
      keepOnFailure: flags.keepOnFailure,
      emit,
      signal,
      shard,
      concurrency,
      disk,
      redact,
    }).catch((error: unknown) => {
      throw redactError(error, redact.text);
    });
    await writeReports(result, flags, signingKey);
    // History, metrics and notifications only warn when they fail: the exit code stays the run's.
    await publishRun(suites, result, { metricsFile: flags.metrics, emit, signal });
    process.stdout.write(`\n${redact.text(formatSummary(result))}`);
    // Cancelled after the drills ended (while reports were written): the reports are whole, the run is still cancelled.
    if (signal.aborted && result.exitCode !== 70) {
      process.stdout.write(
        'DRILL_CANCELLED: the run was cancelled while its reports were written; they are complete\n',
      );
      return 130;
    }
    return result.exitCode;
  });
}
