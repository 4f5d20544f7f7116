import { evidenceFormatOf, formatSummary, runDemo, type ScratchS3Choice } from '../../index.js';
import { createEventRenderer } from '../render-events.js';
import { runInterruptible } from '../signals.js';
import { writeReports, type ReportFlags } from '../write-reports.js';

export interface DemoFlags extends ReportFlags {
  engine?: 'auto' | 'local' | 'docker';
  s3?: ScratchS3Choice;
}

/** `pgdrill demo`: real backups of a fixture database on the embedded default, drilled, with every report. */
export async function demoCommand(flags: DemoFlags): Promise<number> {
  return runInterruptible(async (signal) => {
    const reports = { ...flags, report: flags.report ?? ['reports/demo.html'] };
    for (const file of reports.report) evidenceFormatOf(file);
    const result = await runDemo({ emit: createEventRenderer(), signal, engine: flags.engine, s3: flags.s3 });
    await writeReports(result, reports, undefined);
    process.stdout.write(`\n${formatSummary(result)}`);
    return result.exitCode;
  });
}
