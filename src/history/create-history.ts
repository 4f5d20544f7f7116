import { createFileHistory } from './file-history.js';
import type { HistoryStore } from './history-store.js';
import { createPostgresHistory } from './postgres-history.js';
import type { ResolvedHistory } from './resolved-history.js';
import { createS3History } from './s3-history.js';

export function createHistoryStore(
  history: ResolvedHistory,
  env: Record<string, string | undefined> = process.env,
): HistoryStore {
  switch (history.kind) {
    case 'file':
      return createFileHistory(history.path);
    case 's3':
      return createS3History(history.store, history.prefix);
    case 'postgres':
      return createPostgresHistory({ urlEnv: history.urlEnv, table: history.table, env });
  }
}
