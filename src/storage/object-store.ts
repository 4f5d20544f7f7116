import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Key relative to the store's root (S3 key, or path relative to the filesystem root). */
  key: string;
  size: number;
  lastModified: Date;
  /** S3 ETag without quotes; undefined for files. */
  etag?: string;
}

/**
 * Read-only access to where backups live. There is deliberately no write method: pgdrill never
 * creates, changes or deletes anything in a backup source.
 */
export interface ObjectStore {
  readonly kind: 's3' | 'filesystem';
  /** Human description without secrets, e.g. `s3://prod-backups (https://127.0.0.1:9000)` or `/backups`. */
  readonly description: string;
  /** Every object under `prefix` (recursive), sorted by key. */
  list(prefix: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo[]>;
  /** Metadata of one object, or undefined when it does not exist. */
  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo | undefined>;
  /** Stream an object's bytes; `range` is inclusive like HTTP Range. */
  read(key: string, options?: { range?: { start: number; end: number }; signal?: AbortSignal }): Promise<Readable>;
  /**
   * The object's path on this machine when the store is a local filesystem, so a reader that needs a
   * seekable file (parallel pg_restore) can use it in place instead of copying it; undefined otherwise.
   */
  localPath?(key: string): string | undefined;
  /** Release sockets and the like. */
  close(): Promise<void>;
}
