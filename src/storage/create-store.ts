import path from 'node:path';
import { createFilesystemStore, type FilesystemStoreOptions } from './filesystem-store.js';
import type { ObjectStore } from './object-store.js';
import { createS3Store, type S3StoreOptions } from './s3-store.js';

export type { FilesystemStoreOptions, S3StoreOptions };

/** One `storage:` entry of a suite: exactly one kind of store. */
export type StoreConfig = { s3: S3StoreOptions } | { filesystem: FilesystemStoreOptions };

export interface CreateStoreOptions {
  /** Directory that relative paths (filesystem root, caBundle) are resolved against, usually the suite's. @default process.cwd() */
  baseDir?: string;
}

export function createStore(config: StoreConfig, options: CreateStoreOptions = {}): ObjectStore {
  const baseDir = options.baseDir ?? process.cwd();
  if ('s3' in config) {
    const { caBundle } = config.s3;
    return createS3Store({
      ...config.s3,
      caBundle: caBundle === undefined ? undefined : path.resolve(baseDir, caBundle),
    });
  }
  return createFilesystemStore({ root: path.resolve(baseDir, config.filesystem.root) });
}
