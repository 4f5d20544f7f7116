import type { ResolvedSuite } from '../suite/resolved-suite.js';
import { ConfigError } from '../errors.js';
import { createHistoryStore } from './create-history.js';
import type { HistoryRun } from './history-record.js';

/** The runs a suite's `history:` holds for it, oldest first. */
export async function readSuiteHistory(
  suite: ResolvedSuite,
  options: { limit?: number; env?: Record<string, string | undefined> } = {},
): Promise<{ runs: HistoryRun[]; description: string }> {
  if (!suite.history)
    throw new ConfigError('NO_HISTORY', `suite ${suite.name} (${suite.file}) has no history to read`, {
      hint: 'add `history: { file: pgdrill-history.jsonl }` (or s3/postgres) to the suite, or read a file with --from',
    });
  const store = createHistoryStore(suite.history, options.env);
  try {
    return { runs: await store.read(suite.name, { limit: options.limit }), description: store.description };
  } finally {
    await store.close();
  }
}
