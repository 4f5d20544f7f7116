import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatSummary, isDrillError, loadSuites, publishRun, runSuites, writeJUnitLoadError, writeJUnitReport, type RunResult } from '../../index.js';
import { createEventRenderer } from '../render-events.js';
import { runInterruptible } from '../signals.js';

export interface RunFlags {
  engine?: 'auto' | 'local' | 'docker';
  only?: string[];
  junit?: string;
  json?: string;
  keepOnFailure?: boolean;
  /** Prometheus textfile for every drill of the run. */
  metrics?: string;
}

/** `pgdrill run`: load → run → reports → exit code. */
export async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  return runInterruptible(async (signal) => {
    let suites;
    try {
      suites = await loadSuites(files);
    } catch (error) {
      if (flags.junit && isDrillError(error))
        await writeJUnitLoadError(files, { code: error.code, message: error.message, hint: error.hint, details: error.details }, flags.junit);
      throw error;
    }
    const emit = createEventRenderer();
    const result = await runSuites(suites, { engine: flags.engine, only: flags.only, keepOnFailure: flags.keepOnFailure, emit, signal });
    await writeReports(result, flags);
    // History, metrics and notifications only warn when they fail: the exit code stays the run's.
    await publishRun(suites, result, { metricsFile: flags.metrics, emit, signal });
    process.stdout.write(`\n${formatSummary(result)}`);
    return result.exitCode;
  });
}

async function writeReports(result: RunResult, flags: RunFlags): Promise<void> {
  if (flags.junit) {
    await writeJUnitReport(result, flags.junit);
    process.stderr.write(`pgdrill: JUnit written to ${flags.junit}\n`);
  }
  if (flags.json) {
    await mkdir(dirname(flags.json), { recursive: true });
    await writeFile(flags.json, JSON.stringify(result, null, 2) + '\n');
    process.stderr.write(`pgdrill: JSON written to ${flags.json}\n`);
  }
}
