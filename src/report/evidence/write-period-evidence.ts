import type { PeriodSummary } from '../../history/period-summary.js';
import { renderPeriodHtml } from './period-html.js';
import { renderPeriodMarkdown } from './period-markdown.js';
import { writeEvidenceFile } from './write-evidence-report.js';

/** The period evidence report as `.html`, `.md` or `.pdf` (see evidenceFormatOf). */
export async function writePeriodEvidence(
  summary: PeriodSummary,
  file: string,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  await writeEvidenceFile(
    file,
    { html: () => renderPeriodHtml(summary), markdown: () => renderPeriodMarkdown(summary) },
    env,
  );
}
