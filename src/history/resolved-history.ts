import { resolve } from 'node:path';
import type { StoreConfig } from '../storage/create-store.js';
import type { HistoryInput } from './history-options.js';
import type { S3StoreOptions } from '../storage/s3-store.js';

/** A suite's `history:` after resolution: paths absolute, the S3 store looked up. */
export type ResolvedHistory =
  | { kind: 'file'; path: string }
  | { kind: 's3'; storeName: string; store: S3StoreOptions; prefix: string }
  | { kind: 'postgres'; urlEnv: string; table: string };

/** `history:` → absolute path, or the S3 store's resolved options (the rules checked that it is an S3 store). */
export function resolveHistory(
  input: HistoryInput,
  dir: string,
  storage: Record<string, StoreConfig>,
): ResolvedHistory {
  if (input.file !== undefined) return { kind: 'file', path: resolve(dir, input.file) };
  if (input.s3) {
    const store = storage[input.s3.store];
    if (!store || !('s3' in store))
      throw new Error(`history.s3.store ${input.s3.store} is not an s3 store (the suite rules should have refused it)`);
    return { kind: 's3', storeName: input.s3.store, store: store.s3, prefix: input.s3.prefix.replace(/^\/+/, '') };
  }
  return { kind: 'postgres', urlEnv: input.postgres!.urlEnv, table: input.postgres!.table };
}
