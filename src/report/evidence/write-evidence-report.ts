import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { ConfigError } from '../../errors.js';
import { parseDuration } from '../../util/duration.js';
import type { JsonReport } from '../report-schema.js';
import { renderHtmlReport } from './html-report.js';
import { renderMarkdownReport } from './markdown-report.js';
import { findChromium, printHtmlToPdf } from './pdf-print.js';

export type EvidenceFormat = 'html' | 'markdown' | 'pdf';

/**
 * `.html`/`.htm` → HTML, `.md`/`.markdown` → Markdown, `.pdf` → the HTML printed by Chromium; anything else
 * is a usage error (exit 2). Called before anything runs, so a `.pdf` also checks that a Chromium is there
 * to print it (REPORT_PDF_UNAVAILABLE, exit 3) instead of finding out after an hour of restores.
 */
export function evidenceFormatOf(file: string, env: Record<string, string | undefined> = process.env): EvidenceFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.pdf') {
    findChromium(env);
    return 'pdf';
  }
  throw new ConfigError(
    'REPORT_FORMAT_UNKNOWN',
    `--report ${file}: cannot tell the report format from the extension "${ext || '(none)'}"`,
    {
      hint: 'name the file .html (self-contained HTML), .md (Markdown) or .pdf (HTML printed by Chromium)',
    },
  );
}

/** An evidence document in the format its name asks for; PDF is the HTML printed by Chromium headless. */
export async function writeEvidenceFile(
  file: string,
  render: { html: () => string; markdown: () => string },
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const format = evidenceFormatOf(file, env);
  if (format === 'pdf') {
    // PGDRILL_PDF_TIMEOUT (e.g. 5m): how long Chromium may take on a very long report.
    const timeout = env.PGDRILL_PDF_TIMEOUT;
    return printHtmlToPdf(render.html(), file, {
      env,
      timeoutMs: timeout ? parseDuration(timeout) * 1000 : undefined,
    });
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, format === 'html' ? render.html() : render.markdown());
}

export async function writeEvidenceReport(report: JsonReport, file: string): Promise<void> {
  await writeEvidenceFile(file, { html: () => renderHtmlReport(report), markdown: () => renderMarkdownReport(report) });
}
