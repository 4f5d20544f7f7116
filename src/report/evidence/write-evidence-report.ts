import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { JsonReport } from '../report-schema.js';
import { renderHtmlReport } from './html-report.js';
import { renderMarkdownReport } from './markdown-report.js';

export type EvidenceFormat = 'html' | 'markdown';

/** `.html`/`.htm` → HTML, `.md`/`.markdown` → Markdown; anything else is a usage error (exit 2). */
export function evidenceFormatOf(file: string): EvidenceFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  throw new ConfigError(
    'REPORT_FORMAT_UNKNOWN',
    `--report ${file}: cannot tell the report format from the extension "${ext || '(none)'}"`,
    {
      hint: 'name the file .html (self-contained HTML, prints to PDF) or .md (Markdown)',
    },
  );
}

export async function writeEvidenceReport(report: JsonReport, file: string): Promise<void> {
  const format = evidenceFormatOf(file);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, format === 'html' ? renderHtmlReport(report) : renderMarkdownReport(report));
}
