import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startDemoS3 } from '../../../src/demo/demo-s3.js';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { DEFAULT_MINIO_IMAGE } from '../../../src/engines/docker/start-minio-container.js';
import { runDemo } from '../../../src/index.js';
import { leftovers } from '../../support/backup-lab.js';
import { dockerEngineAvailability } from '../../support/docker-support.js';

const docker = await dockerEngineAvailability();
const minioImage = process.env.PGDRILL_MINIO_IMAGE || DEFAULT_MINIO_IMAGE;
const minioPresent = docker.usable && (await imageExists(await connectRuntime(), minioImage));
const noDocker = docker.usable ? '' : ` (skipped: ${docker.reason})`;
const noMinio = minioPresent
  ? ''
  : ` (skipped: ${docker.usable ? `the MinIO image ${minioImage} is not present here, and tests never pull` : docker.reason})`;

/** MinIO containers pgdrill started (only this file starts any), as `id image status` lines. */
function minioContainers(): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(
      'docker',
      ['ps', '-a', '--filter', 'label=org.pgdrill.engine=minio', '--format', '{{.ID}} {{.Image}} {{.Status}}'],
      (error, stdout) => (error ? reject(error) : resolve(stdout.split('\n').filter(Boolean))),
    ),
  );
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-demo-s3-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the demo's scratch S3 server", () => {
  test('embedded when asked for: HTTPS on 127.0.0.1, and nothing left once stopped', async () => {
    const { s3, reason } = await startDemoS3({ choice: 'embedded', dir, env: {} });
    expect(s3.kind).toBe('embedded');
    expect(reason).toBe('asked for');
    expect(s3.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await s3.stop();
    expect(await leftovers(dir)).toEqual([]);
  });

  test('an unknown PGDRILL_DEMO_S3 is a usage error naming the choices', async () => {
    await expect(startDemoS3({ dir, env: { PGDRILL_DEMO_S3: 'garage' } })).rejects.toMatchObject({
      code: 'INVALID_DEMO_S3',
      hint: 'use one of auto, minio, embedded',
    });
  });

  test.skipIf(!docker.usable)(
    `auto with the MinIO image absent and pulls disabled falls back to the embedded server and says why${noDocker}`,
    async () => {
      const env = { PGDRILL_DOCKER_PULL: 'never', PGDRILL_MINIO_IMAGE: 'pgdrill/absent-minio:1' };
      const { s3, reason } = await startDemoS3({ choice: 'auto', dir, env });
      expect(s3.kind).toBe('embedded');
      expect(reason).toBe('the MinIO image pgdrill/absent-minio:1 is not present and pulls are disabled');
      await s3.stop();
      expect(await leftovers(dir)).toEqual([]);
    },
  );

  test.skipIf(!docker.usable)(
    `MinIO asked for with its image absent and pulls disabled is DOCKER_IMAGE_MISSING naming it; no container or file is left${noDocker}`,
    async () => {
      const env = { PGDRILL_DOCKER_PULL: 'never', PGDRILL_MINIO_IMAGE: 'pgdrill/absent-minio:1' };
      const error = await startDemoS3({ choice: 'minio', dir, env }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DOCKER_IMAGE_MISSING' });
      expect((error as Error).message).toBe(
        'the image pgdrill/absent-minio:1 (the scratch S3 server) is not present in the Docker engine and pulls are disabled (engine.docker.pull: never)',
      );
      expect(await leftovers(dir)).toEqual([]);
      expect(await minioContainers()).toEqual([]);
    },
  );

  test.skipIf(!minioPresent)(
    `the demo drills pass with their backups in MinIO, and the container is gone afterwards${noMinio}`,
    async () => {
      const notes: string[] = [];
      const run = await runDemo({
        s3: 'minio',
        engine: 'local',
        emit: (e) => (e.type === 'note' ? notes.push(e.message) : undefined),
      });
      expect(run.exitCode, JSON.stringify(run.drills.map((d) => [d.name, d.status, d.error?.message]))).toBe(0);
      expect(run.drills.map((d) => d.status)).toEqual(['passed', 'passed', 'passed']);
      expect(notes.find((n) => n.startsWith('MinIO listening on https://127.0.0.1:'))).toBeDefined();
      expect(await minioContainers()).toEqual([]);
    },
  );
});
