import { formatSummary, runDemo, writeJUnitReport, type ScratchS3Choice } from '../../index.js';
import { createEventRenderer } from '../render-events.js';
import { runInterruptible } from '../signals.js';

/** `pgdrill demo`: real backups of a fixture database on the embedded default, drilled. */
export async function demoCommand(flags: { junit: string; engine?: 'auto' | 'local' | 'docker'; s3?: ScratchS3Choice }): Promise<number> {
  return runInterruptible(async (signal) => {
    const result = await runDemo({ emit: createEventRenderer(), signal, engine: flags.engine, s3: flags.s3 });
    await writeJUnitReport(result, flags.junit);
    process.stdout.write(`\n${formatSummary(result)}`);
    process.stderr.write(`pgdrill: JUnit written to ${flags.junit}\n`);
    return result.exitCode;
  });
}
