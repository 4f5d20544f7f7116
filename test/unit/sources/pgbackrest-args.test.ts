import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { pgbackrestArgs, pgbackrestEnv, pgbackrestS3KeyType } from '../../../src/sources/pgbackrest/pgbackrest-args.js';
import type { PgbackrestOptions } from '../../../src/sources/pgbackrest/pgbackrest-options.js';
import type { StoreConfig } from '../../../src/storage/create-store.js';

const s3: StoreConfig = { s3: { bucket: 'prod-backups', region: 'eu-west-1' } };
const disk: StoreConfig = { filesystem: { root: '/backups' } };
const options: PgbackrestOptions = {
  database: 'postgres',
  store: 'prod',
  path: '/pgbackrest',
  stanza: 'main',
  set: 'latest',
  verifyTls: true,
  prefetch: 8,
  cipherPassEnv: 'CIPHER',
};
const KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID0001',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
};
const IRSA = {
  AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/pgdrill-reader',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
};
const CIPHER = { CIPHER: 'repository-cipher-pass' };

/** Args and env as pgdrill builds them for one environment, the way preparePgbackrest does. */
function build(env: Record<string, string | undefined>, store: StoreConfig = s3) {
  const s3KeyType = pgbackrestS3KeyType(store, env);
  return {
    s3KeyType,
    args: pgbackrestArgs(store, options, { lock: '/tmp/drill/lock', s3KeyType }),
    env: pgbackrestEnv({ ...CIPHER, ...env }, options),
  };
}
const keyTypeArgs = (args: string[]) => args.filter((a) => a.startsWith('--repo1-s3-key-type'));

describe('pgBackRest S3 credentials', () => {
  it('static keys: shared keys through PGBACKREST_* variables, no key type on the command line', () => {
    const { s3KeyType, args, env } = build({ ...KEYS, ...CIPHER });
    expect(s3KeyType).toBe('shared');
    expect(keyTypeArgs(args)).toEqual([]);
    expect(env).toEqual({
      PGBACKREST_REPO1_S3_KEY: KEYS.AWS_ACCESS_KEY_ID,
      PGBACKREST_REPO1_S3_KEY_SECRET: KEYS.AWS_SECRET_ACCESS_KEY,
      PGBACKREST_REPO1_S3_TOKEN: KEYS.AWS_SESSION_TOKEN,
      PGBACKREST_REPO1_CIPHER_TYPE: 'aes-256-cbc',
      PGBACKREST_REPO1_CIPHER_PASS: CIPHER.CIPHER,
    });
  });

  it('IRSA (a role and a web identity token file, no keys): web-id, with the role and the token path for restore_command too', () => {
    const { s3KeyType, args, env } = build({ ...IRSA, ...CIPHER });
    expect(s3KeyType).toBe('web-id');
    expect(keyTypeArgs(args)).toEqual(['--repo1-s3-key-type=web-id']);
    expect(env).toMatchObject(IRSA);
    expect(Object.keys(env).filter((k) => k.startsWith('PGBACKREST_REPO1_S3'))).toEqual([]);
  });

  it('no keys and no web identity: auto, the instance role from the metadata service, and no AWS variables passed on', () => {
    const { s3KeyType, args, env } = build({ AWS_REGION: 'eu-west-1', ...CIPHER });
    expect(s3KeyType).toBe('auto');
    expect(keyTypeArgs(args)).toEqual(['--repo1-s3-key-type=auto']);
    expect(Object.keys(env).sort()).toEqual(['PGBACKREST_REPO1_CIPHER_PASS', 'PGBACKREST_REPO1_CIPHER_TYPE']);
  });

  it("static keys win over a web identity set beside them (the AWS default chain's order)", () => {
    const { s3KeyType, args, env } = build({ ...KEYS, ...IRSA });
    expect(s3KeyType).toBe('shared');
    expect(keyTypeArgs(args)).toEqual([]);
    expect(env.AWS_ROLE_ARN).toBeUndefined();
    expect(env.PGBACKREST_REPO1_S3_KEY).toBe(KEYS.AWS_ACCESS_KEY_ID);
  });

  it('only one of the web identity variables: auto (pgBackRest would refuse web-id without both)', () => {
    expect(build({ AWS_ROLE_ARN: IRSA.AWS_ROLE_ARN }).s3KeyType).toBe('auto');
    expect(
      build({ AWS_WEB_IDENTITY_TOKEN_FILE: IRSA.AWS_WEB_IDENTITY_TOKEN_FILE }).env.AWS_WEB_IDENTITY_TOKEN_FILE,
    ).toBeUndefined();
  });

  it('a session token without keys is not passed (it signs nothing alone)', () => {
    expect(build({ AWS_SESSION_TOKEN: KEYS.AWS_SESSION_TOKEN }).env).toEqual({
      PGBACKREST_REPO1_CIPHER_TYPE: 'aes-256-cbc',
      PGBACKREST_REPO1_CIPHER_PASS: CIPHER.CIPHER,
    });
  });

  it('an AWS profile alone is a clear configuration error: pgBackRest cannot read profiles', () => {
    let error: unknown;
    try {
      build({ AWS_PROFILE: 'backup-reader' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'PGBACKREST_S3_CREDENTIALS',
      message: expect.stringContaining('AWS profile backup-reader'),
    });
    expect((error as ConfigError).hint).toMatch(/export-credentials|AWS_ROLE_ARN|unset AWS_PROFILE/);
    // With keys or a web identity beside it, the profile does not matter.
    expect(build({ AWS_PROFILE: 'backup-reader', ...KEYS }).s3KeyType).toBe('shared');
    expect(build({ AWS_PROFILE: 'backup-reader', ...IRSA }).s3KeyType).toBe('web-id');
  });

  it('a filesystem repository has no S3 key type, whatever the environment', () => {
    for (const env of [{}, { AWS_PROFILE: 'x' }, IRSA]) {
      const built = build(env, disk);
      expect(built.s3KeyType).toBeUndefined();
      expect(built.args.filter((a) => a.startsWith('--repo1-s3'))).toEqual([]);
      expect(built.args).toContain('--repo1-type=posix');
    }
  });

  it('without a key type (callers that predate it) the arguments are those of shared keys', () => {
    expect(keyTypeArgs(pgbackrestArgs(s3, options, { lock: '/tmp/l' }))).toEqual([]);
  });

  it('no secret ever reaches the command line', () => {
    for (const env of [{ ...KEYS, ...CIPHER }, { ...IRSA, ...CIPHER }, { ...CIPHER }]) {
      const { args } = build(env);
      const line = args.join(' ');
      for (const secret of [KEYS.AWS_ACCESS_KEY_ID, KEYS.AWS_SECRET_ACCESS_KEY, KEYS.AWS_SESSION_TOKEN, CIPHER.CIPHER])
        expect(line).not.toContain(secret);
      expect(args.filter((a) => /key-secret|s3-key=|s3-token|cipher-pass/.test(a))).toEqual([]);
    }
  });
});
