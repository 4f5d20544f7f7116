import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/demo/embedded-s3.js';
import { createFixtureDatabase, DEMO_DATABASE } from '../../src/demo/fixture-database.js';
import { makeDump, uploadDump, type DumpSpec } from '../../src/demo/make-dump.js';
import { createLocalEngine } from '../../src/engines/local/local-engine.js';
import type { StartedServer } from '../../src/engines/engine.js';

export const BUCKET = 'lab-backups';

/** Every backup the lab makes of the fixture shop database, with the real tools. */
export const LAB_BACKUPS: Record<string, DumpSpec> = {
  'formats/shop.dump': { format: 'custom' },
  'formats/shop-dir': { format: 'directory' },
  'formats/shop.tar': { format: 'tar' },
  'formats/shop.sql': { format: 'plain' },
  'formats/shop.dump.gz': { format: 'custom', compress: 'gzip' },
  'formats/shop.sql.zst': { format: 'plain', compress: 'zstd' },
  'formats/shop.tar.gz': { format: 'tar', compress: 'gzip' },
  'formats/shop.dump.gz.enc': { format: 'custom', compress: 'gzip', encrypt: { passphrase: 'set-at-runtime' } },
  'parts/1-schema.dump': { format: 'custom', args: ['--schema-only'] },
  'parts/2-data.dump': { format: 'custom', args: ['--data-only'] },
};

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The TMPDIR the CLI ran with: empty afterwards unless something was left behind. */
  tmp: string;
}

export interface RunCliOptions {
  env?: Record<string, string>;
  /** Send SIGINT once this returns true (polled every 100 ms with the run's TMPDIR). */
  interruptWhen?: (tmp: string) => Promise<boolean>;
}

export interface BackupLab {
  s3: EmbeddedS3;
  passphrase: string;
  dir: string;
  /** Env for the CLI / library: AWS credentials for the embedded S3, the decryption key. */
  env: Record<string, string>;
  /** YAML of a storage block named `lab` pointing at the lab bucket. */
  storageYaml: string;
  writeSuite(name: string, yaml: string): Promise<string>;
  runCli(args: string[], options?: RunCliOptions): Promise<CliResult>;
  close(): Promise<void>;
}

/** Start an embedded S3 server, build the fixture database on a throwaway server, back it up every way. */
export interface LabBuilder {
  server: StartedServer;
  s3: EmbeddedS3;
  /** Dump the shop database with `spec`, upload it under `key`, return the local dump path. */
  put(key: string, spec: DumpSpec): Promise<string>;
}

export async function startBackupLab(options: { extra?: (lab: LabBuilder) => Promise<void> } = {}): Promise<BackupLab> {
  const dir = await mkdtemp(join(tmpdir(), 'pgdrill-lab-'));
  await chmod(dir, 0o711);
  const s3 = await startEmbeddedS3();
  const passphrase = randomBytes(18).toString('base64url');
  await s3.createBucket(BUCKET);
  {
    await using server = await createLocalEngine().start({ workDir: dir });
    await createFixtureDatabase(server);
    let n = 0;
    const put = async (key: string, spec: DumpSpec) => {
      const withKey = spec.encrypt ? { ...spec, encrypt: { passphrase } } : spec;
      const path = await makeDump(server, DEMO_DATABASE, withKey, join(dir, `dump-${n++}`));
      await uploadDump(s3, BUCKET, key, path, spec.format);
      return path;
    };
    for (const [key, spec] of Object.entries(LAB_BACKUPS)) await put(key, spec);
    await options.extra?.({ server, s3, put });
  }
  const env = {
    ...s3.env(),
    LAB_KEY: passphrase,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const storageYaml = `storage:\n  lab:\n    s3: { bucket: ${BUCKET}, endpoint: "${s3.endpoint}", forcePathStyle: true, caBundle: "${s3.caPath}" }\n`;
  return {
    s3,
    passphrase,
    dir,
    env,
    storageYaml,
    writeSuite: (name, yaml) => writeSuiteIn(dir, name, yaml),
    runCli: (args, runOptions = {}) => runCli(args, { ...env, ...runOptions.env }, runOptions, dir),
    async close() {
      await s3.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export async function writeSuiteIn(dir: string, name: string, yaml: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** Run the built CLI as a user would, with a private TMPDIR so leftovers can be seen. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  options: RunCliOptions,
  labDir: string,
): Promise<CliResult> {
  const tmp = await mkdtemp(join(labDir, 'tmp-'));
  await chmod(tmp, 0o711);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env, TMPDIR: tmp }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({
          exitCode: child.exitCode ?? (error && 'code' in error ? Number(error.code) : -1),
          stdout,
          stderr,
          tmp,
        });
      },
    );
    if (options.interruptWhen) {
      const poll = setInterval(async () => {
        if (child.exitCode === null && (await options.interruptWhen!(tmp))) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 100);
      child.on('exit', () => clearInterval(poll));
    }
  });
}

/** Postgres processes whose command line mentions `path` (a drill's data dir lives under its TMPDIR). */
export async function serverProcessesUnder(path: string): Promise<string[]> {
  const out = await new Promise<string>((resolve) =>
    execFile('ps', ['-eo', 'pid,args'], (_e, stdout) => resolve(stdout)),
  );
  return out.split('\n').filter((line) => line.includes(path) && !line.includes(' ps '));
}

/** Files left in a directory (recursively listed names), for "nothing left behind" assertions. */
export async function leftovers(dir: string): Promise<string[]> {
  return readdir(dir, { recursive: true }).catch(() => []);
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Every object of a bucket with its ETag and size: compared before and after drills (pgdrill never
 * writes). Through ListObjects v1: s3rver cannot page ListObjectsV2 past 1,000 keys on OpenSSL 3.
 */
export async function snapshotBucket(s3: EmbeddedS3, bucket: string): Promise<string[]> {
  const { listObjects } = await import('../../src/demo/physical/fixture-s3.js');
  return (await listObjects(s3, bucket, '')).map((o) => `${o.key} ${o.etag ?? ''} ${o.size}`);
}
