import { DrillError } from '../../errors.js';
import type { EmbeddedS3 } from '../embedded-s3.js';
import { withS3Reader } from './fixture-s3.js';
import type { PgbackrestRepo } from './pgbackrest-repo.js';

export interface CorruptRepositoryFileOptions {
  s3: EmbeddedS3;
  repo: PgbackrestRepo;
  /** The backup whose file is damaged. */
  label: string;
  /** A key relative to the backup's directory (e.g. `pg_data/base/16384/16400.gz`). @default its largest file under pg_data/ */
  file?: string;
}

export interface CorruptedFile {
  /** Bucket-relative key of the damaged object. */
  key: string;
  size: number;
}

/**
 * "A corrupted file in the repository": flip 16 bytes in the middle of one stored file of a pgBackRest
 * backup, keeping its size, so only reading it (restore, verify) can tell.
 */
export async function corruptRepositoryFile(options: CorruptRepositoryFileOptions): Promise<CorruptedFile> {
  const { s3, repo } = options;
  const backupDir = `${repo.path.slice(1)}/backup/${repo.stanza}/${options.label}/`;
  return withS3Reader(s3, async (reader) => {
    const files = await reader.list(repo.bucket, `${backupDir}${options.file ?? 'pg_data/'}`);
    const victim = options.file
      ? files.find((f) => f.key === backupDir + options.file)
      : [...files].sort((a, b) => b.size - a.size)[0];
    if (!victim || victim.size < 32) {
      throw new DrillError(
        'FIXTURE_REPO_FILE_NOT_FOUND',
        `No file of at least 32 bytes to corrupt at s3://${repo.bucket}/${backupDir}${options.file ?? 'pg_data/'} (found ${files.length} objects)`,
      );
    }
    const body = await reader.get(repo.bucket, victim.key);
    const middle = Math.floor(body.length / 2) - 8;
    for (let i = middle; i < middle + 16; i++) body[i] = body[i]! ^ 0xff;
    await s3.putObject(repo.bucket, victim.key, body);
    return { key: victim.key, size: body.length };
  });
}
