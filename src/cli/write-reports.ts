import type { KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import {
  createArtifactRecorder,
  isDrillError,
  writeArtifactManifest,
  writeRunReports,
  type RunResult,
} from '../index.js';
import { readVersion } from './version.js';
import { StorageError } from '../errors.js';

export interface ReportFlags {
  junit?: string;
  json?: string;
  report?: string[];
  manifest?: string;
}

/**
 * JUnit, JSON, evidence reports and the step summary of a run, then the manifest of every file written.
 * A report that cannot be written (a read-only or full directory) is REPORT_WRITE_FAILED, exit 3: the run's
 * evidence is missing, which CI must see, but it is not the backup's fault. A PDF report that Chromium could not
 * print is REPORT_PDF_UNAVAILABLE / REPORT_PDF_FAILED, exit 3, after every other report was written.
 */
export async function writeReports(
  result: RunResult,
  flags: ReportFlags,
  signingKey: KeyObject | undefined,
): Promise<void> {
  try {
    await writeAll(result, flags, signingKey);
  } catch (error) {
    const verdict = result.drills.every((d) => d.status === 'passed') ? 'passed' : 'not passed';
    // A PDF that could not be printed: the other reports are written; say so, with the run's verdict.
    if (isDrillError(error) && error.code.startsWith('REPORT_PDF_')) {
      const unavailable = error.code === 'REPORT_PDF_UNAVAILABLE';
      throw new StorageError(
        unavailable ? 'REPORT_PDF_UNAVAILABLE' : 'REPORT_PDF_FAILED',
        `The drills ran (verdict: ${verdict}) and the other reports were written, but not the PDF: ${error.message}`,
        { cause: error, details: error.details, hint: error.hint },
      );
    }
    const { code, path } = error as NodeJS.ErrnoException;
    if (!code || !['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR', 'EEXIST'].includes(code))
      throw error;
    const where = path ?? 'the report directory';
    throw new StorageError(
      'REPORT_WRITE_FAILED',
      `The drills ran (verdict: ${verdict}), but their reports could not be written: ${code} on ${where}`,
      {
        cause: error,
        hint: `choose writable paths with --junit, --json and --report (relative paths are relative to ${process.cwd()}), or run from a writable directory`,
      },
    );
  }
}

async function writeAll(result: RunResult, flags: ReportFlags, signingKey: KeyObject | undefined): Promise<void> {
  const artifacts = createArtifactRecorder();
  const { written } = await writeRunReports(result, {
    junit: flags.junit,
    json: flags.json,
    reports: flags.report,
    stepSummary: process.env.GITHUB_STEP_SUMMARY || undefined,
    pgdrillVersion: readVersion(),
    artifacts,
  });
  for (const w of written)
    process.stderr.write(`pgdrill: ${w.kind} ${w.kind === 'step summary' ? 'appended to' : 'written to'} ${w.file}\n`);
  // The manifest comes last: it hashes every artifact written before it.
  const manifest = flags.manifest ?? (flags.json ? join(dirname(flags.json), 'SHA256SUMS') : undefined);
  if (manifest && artifacts.files().length > 0) {
    const m = await writeArtifactManifest({ file: manifest, artifacts: artifacts.files(), signingKey });
    process.stderr.write(
      `pgdrill: manifest of ${m.entries.length} artifacts written to ${manifest}${m.signatureFile ? `, signed (${m.signatureFile})` : ''}\n`,
    );
  }
}
