import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StorageError } from '../errors.js';
import { DEFAULT_HISTORY_LIMIT, type HistoryStore } from './history-store.js';
import { parseHistoryRun, type HistoryRun } from './history-record.js';

/** A JSON-lines file: one line per suite per run, appended with O_APPEND so concurrent runs do not interleave lines. */
export function createFileHistory(path: string): HistoryStore {
  return {
    description: path,
    async append(run) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, `${JSON.stringify(run)}\n`, { encoding: 'utf8', mode: 0o644 });
      } catch (error) {
        throw new StorageError(
          'HISTORY_WRITE_FAILED',
          `could not append to the history file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
          {
            cause: error,
            hint: 'the directory of history.file must be writable by the user running pgdrill',
          },
        );
      }
    },
    async read(suite, { limit = DEFAULT_HISTORY_LIMIT } = {}) {
      return (await readHistoryFile(path)).filter((r) => r.suite === suite).slice(-limit);
    },
    async close() {},
  };
}

/** Every readable run in a history file, oldest first (lines that are not history records are skipped). */
export async function readHistoryFile(path: string): Promise<HistoryRun[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StorageError(
      'HISTORY_READ_FAILED',
      `could not read the history file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        cause: error,
        hint: 'check the path and its permissions',
      },
    );
  }
  return text.split('\n').flatMap((line) => {
    const run = line.trim() ? parseHistoryRun(line) : undefined;
    return run ? [run] : [];
  });
}
