import {
  createArtifactRecorder,
  evidenceFormatOf,
  formatSummary,
  mergeRunResults,
  readRunResultFile,
  writeRunReports,
} from '../../index.js';
import { runInterruptible } from '../signals.js';
import { readVersion } from '../version.js';

export interface MergeFlags {
  junit?: string;
  json?: string;
  report?: string[];
}

/** `pgdrill merge-reports`: shard results → one RunResult → JUnit/JSON → the most severe exit code. */
export async function mergeCommand(files: string[], flags: MergeFlags): Promise<number> {
  return runInterruptible(async () => {
    for (const file of flags.report ?? []) evidenceFormatOf(file);
    const results = [];
    for (const file of files) results.push(await readRunResultFile(file));
    const merged = mergeRunResults(results, files);
    const shards = results.filter((r) => r.shard).length;
    process.stderr.write(
      `pgdrill: merged ${files.length} result${files.length === 1 ? '' : 's'}${shards ? ` (${shards} shards)` : ''} of suite ${merged.suite.name}: ${merged.drills.length} drills\n`,
    );
    // The merged reports are built as one run's are: the JSON report, JUnit and evidence from one result.
    const { written } = await writeRunReports(merged, {
      junit: flags.junit,
      json: flags.json,
      reports: flags.report,
      pgdrillVersion: readVersion(),
      artifacts: createArtifactRecorder(),
    });
    for (const w of written) process.stderr.write(`pgdrill: ${w.kind} written to ${w.file}\n`);
    process.stdout.write(`\n${formatSummary(merged)}`);
    return merged.exitCode;
  });
}
