import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatSummary, mergeRunResults, readRunResultFile, writeJUnitReport } from '../../index.js';
import { runInterruptible } from '../signals.js';

export interface MergeFlags {
  junit?: string;
  json?: string;
}

/** `pgdrill merge-reports`: shard results → one RunResult → JUnit/JSON → the most severe exit code. */
export async function mergeCommand(files: string[], flags: MergeFlags): Promise<number> {
  return runInterruptible(async () => {
    const results = [];
    for (const file of files) results.push(await readRunResultFile(file));
    const merged = mergeRunResults(results, files);
    const shards = results.filter((r) => r.shard).length;
    process.stderr.write(`pgdrill: merged ${files.length} result${files.length === 1 ? '' : 's'}${shards ? ` (${shards} shards)` : ''} of suite ${merged.suite.name}: ${merged.drills.length} drills\n`);
    if (flags.junit) {
      await writeJUnitReport(merged, flags.junit);
      process.stderr.write(`pgdrill: JUnit written to ${flags.junit}\n`);
    }
    if (flags.json) {
      await mkdir(dirname(flags.json), { recursive: true });
      await writeFile(flags.json, JSON.stringify(merged, null, 2) + '\n');
      process.stderr.write(`pgdrill: JSON written to ${flags.json}\n`);
    }
    process.stdout.write(`\n${formatSummary(merged)}`);
    return merged.exitCode;
  });
}
