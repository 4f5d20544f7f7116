import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { StoreConfig } from '../../storage/create-store.js';
import type { PgbackrestOptions } from './pgbackrest-options.js';

/**
 * How pgBackRest signs its S3 requests (repo1-s3-key-type). The AWS SDK's default chain reads profiles,
 * SSO, web identities and instance roles; pgBackRest reads only these:
 * - `shared`: static keys (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), passed as secrets;
 * - `web-id`: a web identity token (IRSA on EKS: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE), pgBackRest >= 2.41;
 * - `auto`: the instance's role from the metadata service (EC2), pgBackRest >= 2.36.
 */
export type PgbackrestS3KeyType = 'shared' | 'web-id' | 'auto';

/** The key type of an S3 store for pgdrill's environment (none for a filesystem store); an AWS profile alone is refused, pgBackRest cannot read one. */
export function pgbackrestS3KeyType(
  store: StoreConfig,
  env: Record<string, string | undefined>,
): PgbackrestS3KeyType | undefined {
  if (!('s3' in store)) return undefined;
  if (env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY) return 'shared';
  if (env.AWS_ROLE_ARN && env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'web-id';
  if (env.AWS_PROFILE)
    throw new ConfigError(
      'PGBACKREST_S3_CREDENTIALS',
      `pgBackRest cannot use the AWS profile ${env.AWS_PROFILE} (AWS_PROFILE): it reads only keys in the environment, a web identity or an instance role`,
      {
        hint: 'export the profile\'s keys (eval "$(aws configure export-credentials --format env)"), set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, or unset AWS_PROFILE to use the instance role',
      },
    );
  return 'auto';
}

export interface PgbackrestArgsContext {
  /** pgBackRest's private lock directory; the empty include directory lives inside it. */
  lock: string;
  caBundle?: string;
  /** From pgbackrestS3KeyType(store, env). @default 'shared' */
  s3KeyType?: PgbackrestS3KeyType;
  /** A private config file holding the secrets (pgBackRest in a container), instead of `--no-config`. */
  config?: string;
}

/**
 * pgBackRest options for reading the repository: everything on the command line and secrets in
 * PGBACKREST_* environment variables. `--no-config` and an empty include path keep the host's
 * /etc/pgbackrest.conf and conf.d (which may name a production repository) out of it.
 */
export function pgbackrestArgs(store: StoreConfig, options: PgbackrestOptions, dirs: PgbackrestArgsContext): string[] {
  const args = [
    `--stanza=${options.stanza}`,
    dirs.config ? `--config=${dirs.config}` : '--no-config',
    `--config-include-path=${emptyIncludePath(dirs.lock)}`,
    `--lock-path=${dirs.lock}`,
    '--log-level-file=off',
    '--log-level-console=warn',
    '--log-level-stderr=error',
  ];
  if ('filesystem' in store)
    return [...args, '--repo1-type=posix', `--repo1-path=${joinRepoPath(store.filesystem.root, options.path)}`];
  const s3 = store.s3;
  args.push(
    '--repo1-type=s3',
    `--repo1-s3-bucket=${s3.bucket}`,
    `--repo1-s3-region=${s3.region ?? 'us-east-1'}`,
    `--repo1-path=${joinRepoPath(s3.prefix ?? '', options.path)}`,
  );
  if (s3.endpoint) {
    const url = new URL(s3.endpoint);
    if (url.protocol !== 'https:')
      throw new ConfigError(
        'PGBACKREST_NEEDS_HTTPS',
        `pgBackRest only speaks HTTPS to S3; the endpoint is ${s3.endpoint}`,
        { hint: 'serve the S3 endpoint over HTTPS' },
      );
    args.push(`--repo1-s3-endpoint=${url.hostname}`);
    if (url.port) args.push(`--repo1-storage-port=${url.port}`);
  } else {
    args.push(`--repo1-s3-endpoint=s3.${s3.region ?? 'us-east-1'}.amazonaws.com`);
  }
  if (s3.forcePathStyle) args.push('--repo1-s3-uri-style=path');
  if (dirs.s3KeyType && dirs.s3KeyType !== 'shared') args.push(`--repo1-s3-key-type=${dirs.s3KeyType}`);
  const ca = dirs.caBundle ?? s3.caBundle;
  if (!options.verifyTls) args.push('--repo1-storage-verify-tls=n');
  else if (ca) args.push(`--repo1-storage-ca-file=${ca}`);
  return args;
}

/**
 * What pgBackRest needs from pgdrill's environment, for it and for restore_command (whose server sees none
 * of pgdrill's environment): static keys and the cipher pass as PGBACKREST_* secrets, or for web-id the
 * role and the path of the token file, which pgBackRest reads itself.
 */
export function pgbackrestEnv(
  env: Record<string, string | undefined>,
  options: PgbackrestOptions,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (env.AWS_ACCESS_KEY_ID) out.PGBACKREST_REPO1_S3_KEY = env.AWS_ACCESS_KEY_ID;
  if (env.AWS_SECRET_ACCESS_KEY) out.PGBACKREST_REPO1_S3_KEY_SECRET = env.AWS_SECRET_ACCESS_KEY;
  if (env.AWS_SESSION_TOKEN && out.PGBACKREST_REPO1_S3_KEY) out.PGBACKREST_REPO1_S3_TOKEN = env.AWS_SESSION_TOKEN;
  if (
    !out.PGBACKREST_REPO1_S3_KEY &&
    !out.PGBACKREST_REPO1_S3_KEY_SECRET &&
    env.AWS_ROLE_ARN &&
    env.AWS_WEB_IDENTITY_TOKEN_FILE
  ) {
    out.AWS_ROLE_ARN = env.AWS_ROLE_ARN;
    out.AWS_WEB_IDENTITY_TOKEN_FILE = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  }
  if (options.cipherPassEnv) {
    const pass = env[options.cipherPassEnv];
    if (!pass)
      throw new ConfigError(
        'CIPHER_PASS_NOT_SET',
        `environment variable ${options.cipherPassEnv} (the repository cipher pass) is not set`,
        {
          hint: `export ${options.cipherPassEnv} in the environment that runs pgdrill`,
        },
      );
    out.PGBACKREST_REPO1_CIPHER_TYPE = 'aes-256-cbc';
    out.PGBACKREST_REPO1_CIPHER_PASS = pass;
  }
  return out;
}

export function joinRepoPath(root: string, path: string): string {
  return `/${[root, path]
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;
}

/** The (empty) include directory pgdrill gives pgBackRest, inside its private lock directory. */
export function emptyIncludePath(lockDir: string): string {
  return join(lockDir, 'conf.d');
}

/** Create the lock and empty include directories, owned by whoever runs pgBackRest. */
export async function preparePgbackrestDirs(lockDir: string, owner?: { uid: number; gid: number }): Promise<void> {
  await mkdir(emptyIncludePath(lockDir), { recursive: true, mode: 0o700 });
  if (owner) await chown(emptyIncludePath(lockDir), owner.uid, owner.gid);
}
