import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { createStore, type StoreConfig } from '../storage/create-store.js';
import { fail, ok, type PreflightFinding } from './preflight-result.js';

// A prefix no backup uses: listing it is one request that proves the credentials, the bucket and the right to
// list, whatever the bucket holds. The drill's own prefix is listed when its backup is looked for.
const PROBE_PREFIX = 'pgdrill-doctor-probe/';

/** Does the store answer: S3 credentials work and the bucket lists; a filesystem root is a readable directory. */
export async function checkStore(name: string, config: StoreConfig, baseDir: string): Promise<PreflightFinding> {
  const subject = `store ${name}`;
  try {
    const store = createStore(config, { baseDir });
    try {
      await store.list(PROBE_PREFIX);
      if ('filesystem' in config) await requireReadable(path.resolve(baseDir, config.filesystem.root));
      return ok(
        subject,
        `${store.description} answers${'s3' in config ? ' (credentials accepted, bucket lists)' : ' (readable)'}`,
      );
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(subject, error);
  }
}

async function requireReadable(root: string): Promise<void> {
  try {
    await access(root, constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new StorageError(
      'STORAGE_ACCESS_DENIED',
      `The backup directory ${root} is not readable by uid ${process.getuid?.() ?? '?'}: ${(error as NodeJS.ErrnoException).code}`,
      { hint: `make ${root} and the directories under it readable and traversable by the user running pgdrill` },
    );
  }
}
