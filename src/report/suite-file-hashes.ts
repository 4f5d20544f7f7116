import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One suite file a run loaded and the SHA-256 of its bytes when recorded; `problem` instead when it could not be read. */
export interface SuiteFileHash {
  path: string;
  sha256?: string;
  problem?: string;
}

/**
 * The SHA-256 of each suite file, so an auditor can tell exactly which drills and checks ran. Suite files are
 * small YAML, read whole; a file that is gone by now (merged shards, a deleted checkout) is recorded as such.
 */
export function hashSuiteFiles(paths: readonly string[]): SuiteFileHash[] {
  return [...new Set(paths)].map((path) => {
    try {
      return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
    } catch (error) {
      return { path, problem: `not readable (${(error as NodeJS.ErrnoException).code ?? error})` };
    }
  });
}
