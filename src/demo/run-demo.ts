import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalEngine } from '../engines/local/local-engine.js';
import type { EnginePreference } from '../engines/select-engine.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import { runSuites } from '../drill/run-suite.js';
import type { RunResult } from '../results.js';
import { loadSuites } from '../suite/suite-api.js';
import { DEMO_BUCKET, makeDemoBackups } from './demo-backups.js';
import { startDemoS3, type ScratchS3Choice } from './demo-s3.js';
import { createFixtureDatabase } from './fixture-database.js';
import { suitesDir } from './fixture-paths.js';

export interface RunDemoOptions {
  emit?: EmitEvent;
  signal?: AbortSignal;
  engine?: EnginePreference;
  /** Suite to drill. @default suites/demo.yaml of the package */
  suiteFile?: string;
  /** Where the backups are stored: MinIO in a container or the embedded S3 server. @default env.PGDRILL_DEMO_S3, else 'auto' */
  s3?: ScratchS3Choice;
}

/**
 * `pgdrill demo`: make a fixture database on a throwaway server, back it up with the real tools into a scratch
 * S3 server (MinIO in a container when Docker answers, else the embedded one; HTTPS on loopback either way),
 * then drill suites/demo.yaml against it. Nothing outlives it.
 */
export async function runDemo(options: RunDemoOptions = {}): Promise<RunResult> {
  const emit = options.emit ?? ignoreEvents;
  const suiteFile = options.suiteFile ?? join(suitesDir, 'demo.yaml');
  const demoS3 = await startDemoS3({ choice: options.s3 });
  await using s3 = demoS3.s3;
  const workDir = await mkdtemp(join(tmpdir(), 'pgdrill-demo-'));
  try {
    await chmod(workDir, process.getuid?.() === 0 ? 0o711 : 0o700);
    const passphrase = randomBytes(24).toString('base64url');
    emit({
      type: 'note',
      message: `${s3.kind === 'minio' ? 'MinIO' : 'embedded S3'} listening on ${s3.endpoint} (${demoS3.reason})`,
    });
    {
      await using source = await createLocalEngine().start({ workDir, signal: options.signal });
      emit({ type: 'note', message: `fixture database: creating on PostgreSQL ${source.version}` });
      await createFixtureDatabase(source);
      emit({
        type: 'note',
        message: `backing it up with pg_dump, gzip and openssl into ${s3.kind === 'minio' ? 'MinIO' : 'the embedded S3'}`,
      });
      await makeDemoBackups({ server: source, s3, workDir, passphrase });
    }
    const env = {
      ...s3.env(),
      PGDRILL_DEMO_S3_ENDPOINT: s3.endpoint,
      PGDRILL_DEMO_S3_CA: s3.caPath,
      PGDRILL_DEMO_BUCKET: DEMO_BUCKET,
      PGDRILL_DEMO_KEY: passphrase,
    };
    return await withEnv(env, async () => {
      const suites = await loadSuites([suiteFile], { env: process.env });
      return runSuites(suites, { emit, signal: options.signal, engine: options.engine });
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The AWS SDK reads credentials from process.env (the default chain), so the demo sets them there. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
