import type { Readable } from 'node:stream';
import type { ReadResumeEvent } from './resumable-read.js';

export type { ReadResumeEvent };

/** How to read one object. */
export interface ReadOptions {
  /** Inclusive byte range, like HTTP Range. */
  range?: { start: number; end: number };
  signal?: AbortSignal;
  /** The size the caller listed; a read of another size is an error (the object changed). */
  expectedSize?: number;
  /** Called each time a cut, reset or stalled read is resumed (S3); count these as retries. */
  onResume?: (event: ReadResumeEvent) => void;
}

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
  /**
   * Stream an object's bytes. The stream delivers every byte of the object (or range) or errors: a short
   * read never ends cleanly. An S3 read that is cut, reset or stalls resumes where it stopped (ETag pinned)
   * a bounded number of times, then errors with STORAGE_READ_INCOMPLETE.
   */
  read(key: string, options?: ReadOptions): Promise<Readable>;
  /**
   * The object's path on this machine when the store is a local filesystem, so a reader that needs a
   * seekable file (parallel pg_restore) can use it in place instead of copying it; undefined otherwise.
   */
  localPath?(key: string): string | undefined;
  /** Release sockets and the like. */
  close(): Promise<void>;
}
