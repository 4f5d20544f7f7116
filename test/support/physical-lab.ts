import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import { makeBarmanCloudFixture, type BarmanCloudFixture } from '../../src/demo/physical/barman-cloud-fixture.js';
import { makeBaseBackupFixture, type BaseBackupFixture } from '../../src/demo/physical/basebackup-fixture.js';
import { makePgbackrestFixture, type PgbackrestFixture } from '../../src/demo/physical/pgbackrest-fixture.js';
import { runCli, writeSuiteIn, type CliResult } from './backup-lab.js';

export const PHYSICAL_BUCKET = 'physical';

export interface PhysicalLab {
  s3: EmbeddedS3;
  dir: string;
  cipherPass: string;
  pgbackrest: PgbackrestFixture;
  basebackup: BaseBackupFixture;
  barman: BarmanCloudFixture;
  env: Record<string, string>;
  storageYaml: string;
  writeSuite(name: string, yaml: string): Promise<string>;
  runCli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

/** Real pgBackRest (encrypted), pg_basebackup + WAL archive and barman-cloud backups of one history, in one S3. */
export async function startPhysicalLab(): Promise<PhysicalLab> {
  const s3 = await startEmbeddedS3();
  await s3.createBucket(PHYSICAL_BUCKET);
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-physical-lab-'));
  await chmod(dir, 0o711);
  const cipherPass = randomBytes(18).toString('base64url');
  const pgbackrest = await makePgbackrestFixture({ s3, bucket: PHYSICAL_BUCKET, workDir: dir, cipherPass });
  const basebackup = await makeBaseBackupFixture({ s3, bucket: PHYSICAL_BUCKET, workDir: dir });
  const barman = await makeBarmanCloudFixture({ s3, bucket: PHYSICAL_BUCKET, workDir: dir });
  const env = {
    ...s3.env(),
    LAB_CIPHER_PASS: cipherPass,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const storageYaml = `storage:\n  lab:\n    s3: { bucket: ${PHYSICAL_BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }\n`;
  return {
    s3,
    dir,
    cipherPass,
    pgbackrest,
    basebackup,
    barman,
    env,
    storageYaml,
    writeSuite: (name, yaml) => writeSuiteIn(dir, name, yaml),
    runCli: (args, extra = {}) => runCli(args, { ...env, ...extra }, {}, dir),
    async close() {
      await s3.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}
