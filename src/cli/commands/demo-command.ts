import { formatSummary, runDemo, writeJUnitReport } from '../../index.js';
import { createEventRenderer } from '../render-events.js';
import { runInterruptible } from '../signals.js';

/** `pgdrill demo`: real backups of a fixture database on the embedded default, drilled. */
export async function demoCommand(flags: { junit: string; engine?: 'auto' | 'local' | 'docker' }): Promise<number> {
  return runInterruptible(async (signal) => {
    const result = await runDemo({ emit: createEventRenderer(), signal, engine: flags.engine });
    await writeJUnitReport(result, flags.junit);
    process.stdout.write(`\n${formatSummary(result)}`);
    process.stderr.write(`pgdrill: JUnit written to ${flags.junit}\n`);
    return result.exitCode;
  });
}
