import type { RunResult } from '../results.js';
import type { ArtifactRecorder } from './artifact-manifest.js';
import { writeEvidenceReport } from './evidence/write-evidence-report.js';
import { collectReportContext } from './json-report-context.js';
import { buildJsonReport, writeJsonReport } from './json-report.js';
import { writeJUnitReport } from './junit-reporter.js';
import type { JsonReport } from './report-schema.js';
import { appendStepSummary } from './step-summary.js';

export interface RunReportOptions {
  junit?: string;
  json?: string;
  /** Evidence reports: `.html`, `.md` or `.pdf` (printed by Chromium). */
  reports?: string[];
  /** Append the short Markdown summary here (GitHub Actions' $GITHUB_STEP_SUMMARY). */
  stepSummary?: string;
  pgdrillVersion: string;
  /** Every file written is recorded here, for the artifact manifest. */
  artifacts: ArtifactRecorder;
}

export interface WrittenReport {
  kind: 'JUnit' | 'JSON' | 'evidence' | 'step summary';
  file: string;
}

/**
 * Every report of a run, from one JSON report built once (so the evidence says exactly what the JSON
 * says). The step summary is GitHub's file, shared with other steps: it is not an artifact of the run.
 */
export async function writeRunReports(
  run: RunResult,
  options: RunReportOptions,
): Promise<{ report: JsonReport; written: WrittenReport[] }> {
  const written: WrittenReport[] = [];
  const record = (kind: WrittenReport['kind'], file: string) => {
    written.push({ kind, file });
    if (kind !== 'step summary') options.artifacts.record(file);
  };
  if (options.junit) {
    await writeJUnitReport(run, options.junit);
    record('JUnit', options.junit);
  }
  const report = buildJsonReport(run, await collectReportContext(run, options.pgdrillVersion));
  if (options.json) {
    await writeJsonReport(report, options.json);
    record('JSON', options.json);
  }
  if (options.stepSummary) {
    await appendStepSummary(report, options.stepSummary);
    record('step summary', options.stepSummary);
  }
  // One evidence report that cannot be written (a PDF without Chromium) does not keep the others from being written.
  let failure: unknown;
  for (const file of options.reports ?? []) {
    try {
      await writeEvidenceReport(report, file);
      record('evidence', file);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure) throw failure;
  return { report, written };
}
