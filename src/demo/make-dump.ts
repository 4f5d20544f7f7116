import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StartedServer } from '../engines/engine.js';
import { runCommand } from '../process/run-command.js';
import type { EmbeddedS3 } from './embedded-s3.js';

export interface DumpSpec {
  format: 'custom' | 'directory' | 'tar' | 'plain';
  compress?: 'gzip' | 'zstd';
  /** Encrypt with `openssl enc -aes-256-cbc -pbkdf2 -salt` and this passphrase. */
  encrypt?: { passphrase: string };
  /** Extra pg_dump arguments (`--schema-only`, `--data-only`, `-t`…). */
  args?: string[];
}

const FORMAT_FLAG = { custom: '-Fc', directory: '-Fd', tar: '-Ft', plain: '-Fp' } as const;

/**
 * Back up a database with the real tools, as backup scripts do: pg_dump, then gzip or zstd, then
 * openssl. Returns the path of the final file (or directory, for -Fd).
 */
export async function makeDump(
  server: StartedServer,
  database: string,
  spec: DumpSpec,
  basePath: string,
): Promise<string> {
  let path = basePath;
  await server.runClient('pg_dump', [FORMAT_FLAG[spec.format], ...(spec.args ?? []), '-f', path, database]);
  if (spec.compress === 'gzip') {
    await runCommand('gzip', ['-n', path]);
    path += '.gz';
  } else if (spec.compress === 'zstd') {
    await runCommand('zstd', ['-q', '--rm', path, '-o', `${path}.zst`]);
    path += '.zst';
  }
  if (spec.encrypt) {
    await runCommand(
      'openssl',
      [
        'enc',
        '-aes-256-cbc',
        '-pbkdf2',
        '-salt',
        '-in',
        path,
        '-out',
        `${path}.enc`,
        '-pass',
        'env:PGDRILL_FIXTURE_KEY',
      ],
      {
        env: { PGDRILL_FIXTURE_KEY: spec.encrypt.passphrase },
        secrets: [spec.encrypt.passphrase],
      },
    );
    await rm(path);
    path += '.enc';
  }
  return path;
}

/** Upload a dump file, or every file of a directory dump under `key/`. */
export async function uploadDump(
  s3: EmbeddedS3,
  bucket: string,
  key: string,
  path: string,
  format: DumpSpec['format'],
): Promise<void> {
  if (format !== 'directory') return s3.putFile(bucket, key, path);
  for (const name of await readdir(path)) await s3.putFile(bucket, `${key}/${name}`, join(path, name));
}
