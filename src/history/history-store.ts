import type { HistoryRun } from './history-record.js';

/** Where run summaries accumulate. Stores are opened per use and closed after. */
export interface HistoryStore {
  /** Without secrets: a path, `s3://bucket/prefix`, or `postgres table t (via $ENV)`. */
  readonly description: string;
  append(run: HistoryRun): Promise<void>;
  /** The suite's runs, oldest first; at most the newest `limit`. */
  read(suite: string, options?: { limit?: number }): Promise<HistoryRun[]>;
  close(): Promise<void>;
}

/** How many runs are read by default: enough for a trend and to find the last pass after many failures. */
export const DEFAULT_HISTORY_LIMIT = 500;

/** `orders nightly/2` → `orders-nightly-2`: safe in an S3 key. */
export function slugOf(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'suite';
}
