import type { EmbeddedS3 } from '../embedded-s3.js';
import type { ToolDirs } from './fixture-workspace.js';

/** Everything needed to read the fixture's pgBackRest repository (credentials come from the S3 server's env). */
export interface PgbackrestRepo {
  bucket: string;
  /** `https://127.0.0.1:PORT` */
  endpoint: string;
  host: string;
  port: number;
  region: string;
  /** repo1-path */
  path: '/pgbackrest';
  stanza: 'main';
  uriStyle: 'path';
  /** repo1-storage-verify-tls=n: pgBackRest is not given the test CA. */
  verifyTls: false;
  cipherType?: 'aes-256-cbc';
  /** The repository passphrase (PGBACKREST_REPO1_CIPHER_PASS); present when the repository is encrypted. */
  cipherPass?: string;
}

export function describeRepo(s3: EmbeddedS3, bucket: string, cipherPass?: string): PgbackrestRepo {
  const url = new URL(s3.endpoint);
  return {
    bucket,
    endpoint: s3.endpoint,
    host: url.hostname,
    port: Number(url.port),
    region: s3.region,
    path: '/pgbackrest',
    stanza: 'main',
    uriStyle: 'path',
    verifyTls: false,
    ...(cipherPass === undefined ? {} : { cipherType: 'aes-256-cbc' as const, cipherPass }),
  };
}

/** repo1-* options without secrets, as `key=value` (config lines; prefix `--` for the command line). */
export function repoOptions(repo: PgbackrestRepo): string[] {
  return [
    'repo1-type=s3',
    `repo1-path=${repo.path}`,
    `repo1-s3-bucket=${repo.bucket}`,
    `repo1-s3-endpoint=${repo.host}`,
    `repo1-storage-port=${repo.port}`,
    `repo1-s3-region=${repo.region}`,
    `repo1-s3-uri-style=${repo.uriStyle}`,
    `repo1-storage-verify-tls=${repo.verifyTls ? 'y' : 'n'}`,
    ...(repo.cipherType ? [`repo1-cipher-type=${repo.cipherType}`] : []),
  ];
}

/** Private lock/log/spool paths, so no run touches /tmp/pgbackrest or /var/log/pgbackrest. */
export function toolPathOptions(tools: ToolDirs): string[] {
  return [`lock-path=${tools.lock}`, `log-path=${tools.log}`, `spool-path=${tools.spool}`];
}

/**
 * The secrets, which pgBackRest reads from PGBACKREST_* variables and never from a committed file, and the
 * cipher type: the restore_command that `pgbackrest restore` writes repeats the repo1-* options of its
 * command line except repo1-cipher-type, so archive-get must find it here.
 */
export function repoEnv(repo: PgbackrestRepo, s3: EmbeddedS3): Record<string, string> {
  return {
    PGBACKREST_REPO1_S3_KEY: s3.accessKeyId,
    PGBACKREST_REPO1_S3_KEY_SECRET: s3.secretAccessKey,
    ...(repo.cipherType === undefined ? {} : { PGBACKREST_REPO1_CIPHER_TYPE: repo.cipherType }),
    ...(repo.cipherPass === undefined ? {} : { PGBACKREST_REPO1_CIPHER_PASS: repo.cipherPass }),
  };
}

export interface PgbackrestConfigInput {
  repo: PgbackrestRepo;
  tools: ToolDirs;
  dataDir: string;
  pgPort: number;
  pgUser: string;
}

/** pgbackrest.conf for the source server; the server is reached over TCP through PGHOST/PGPASSWORD. */
export function renderPgbackrestConfig({ repo, tools, dataDir, pgPort, pgUser }: PgbackrestConfigInput): string {
  const global = [
    ...repoOptions(repo),
    ...toolPathOptions(tools),
    'log-level-console=warn',
    'log-level-file=detail',
    'start-fast=y',
  ];
  const stanza = [`pg1-path=${dataDir}`, `pg1-port=${pgPort}`, `pg1-user=${pgUser}`];
  return ['[global]', ...global, '', `[${repo.stanza}]`, ...stanza, ''].join('\n');
}

/**
 * A history time as `--target` for pgBackRest: 2.45 refuses ISO 8601's `T` with error 029 ("time format
 * must be YYYY-MM-DD HH:MM:SS …") instead of falling back to the latest backup; PostgreSQL takes either.
 */
export function toPgbackrestTime(iso: string): string {
  return iso.replace('T', ' ');
}
