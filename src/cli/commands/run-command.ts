import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatSummary, isDrillError, loadSuites, parseByteSize, parseConcurrency, parseShard, runSuites, writeJUnitLoadError, writeJUnitReport, type RunResult } from '../../index.js';
import { createEventRenderer } from '../render-events.js';
import { runInterruptible } from '../signals.js';

export interface RunFlags {
  engine?: 'auto' | 'local' | 'docker';
  only?: string[];
  junit?: string;
  json?: string;
  keepOnFailure?: boolean;
  shard?: string;
  concurrency?: string;
  diskBudget?: string;
  diskCheck?: boolean;
}

/** `pgdrill run`: load → run → reports → exit code. */
export async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  return runInterruptible(async (signal) => {
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
    await writeReports(result, flags);
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
