import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StorageError } from '../errors.js';
import { lastSuccessKey, type LastSuccess } from './metrics-registry.js';

/**
 * Replace a textfile-collector file atomically: write a temp file in the same directory (so rename is
 * atomic; same filesystem) whose name does not end in `.prom` (the collector ignores it), then rename.
 */
export async function writeMetricsTextfile(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new StorageError(
      'METRICS_WRITE_FAILED',
      `could not write the metrics file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        cause: error,
        hint: 'the directory must be writable by the user running pgdrill (node-exporter reads *.prom files from its --collector.textfile.directory)',
      },
    );
  }
}

const LAST_SUCCESS = /^pgdrill_drill_last_success_timestamp_seconds\{(.*)\}\s+([0-9.eE+-]+)\s*$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * The last-success times an earlier run wrote to the same file: how a failing run without history keeps
 * them (the textfile is the only memory there is).
 */
export async function readLastSuccessFromTextfile(path: string): Promise<LastSuccess> {
  const found: LastSuccess = new Map();
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const match = LAST_SUCCESS.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(LABEL)].map((m) => [m[1], unescapeLabel(m[2]!)]));
    const value = Number(match[2]);
    if (labels.suite !== undefined && labels.drill !== undefined && Number.isFinite(value))
      found.set(lastSuccessKey(labels.suite, labels.drill), value);
  }
  return found;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}
