import { ConfigError, isDrillError } from '../errors.js';
import { connectRuntime, imageExists, type PullPolicy } from '../engines/docker/docker-runtime.js';
import { DEFAULT_MINIO_IMAGE } from '../engines/docker/start-minio-container.js';
import { startEmbeddedS3 } from './embedded-s3.js';
import { startMinioS3 } from './minio-s3.js';
import type { ScratchS3 } from './scratch-s3.js';

/** `auto`: MinIO in a container when a Docker engine answers and has (or may pull) the image, else embedded. */
export type ScratchS3Choice = 'auto' | 'minio' | 'embedded';
export const SCRATCH_S3_CHOICES: readonly ScratchS3Choice[] = ['auto', 'minio', 'embedded'];

export interface DemoS3Options {
  /** @default env.PGDRILL_DEMO_S3, else 'auto' */
  choice?: ScratchS3Choice;
  /** PGDRILL_MINIO_IMAGE, PGDRILL_DOCKER_PULL, PGDRILL_DEMO_S3. @default process.env */
  env?: Record<string, string | undefined>;
  dir?: string;
}

/** The demo's S3 server and why it was chosen (`minio (image …)` / `embedded (no Docker engine answers …)`). */
export async function startDemoS3(options: DemoS3Options = {}): Promise<{ s3: ScratchS3; reason: string }> {
  const env = options.env ?? process.env;
  const choice = options.choice ?? parseChoice(env.PGDRILL_DEMO_S3);
  const image = env.PGDRILL_MINIO_IMAGE || DEFAULT_MINIO_IMAGE;
  const pull: PullPolicy = env.PGDRILL_DOCKER_PULL === 'never' ? 'never' : 'missing';
  if (choice === 'embedded') return { s3: await startEmbeddedS3({ dir: options.dir }), reason: 'asked for' };
  if (choice === 'minio')
    return { s3: await startMinioS3({ image, pull, dir: options.dir }), reason: `asked for; image ${image}` };
  const unavailable = await whyMinioUnavailable(image, pull);
  if (unavailable === undefined) {
    try {
      return {
        s3: await startMinioS3({ image, pull, dir: options.dir }),
        reason: `a Docker engine answers; image ${image}`,
      };
    } catch (error) {
      const why = isDrillError(error) ? `${error.code}: ${error.message}` : String(error);
      return { s3: await startEmbeddedS3({ dir: options.dir }), reason: `MinIO did not start (${why})` };
    }
  }
  return { s3: await startEmbeddedS3({ dir: options.dir }), reason: unavailable };
}

async function whyMinioUnavailable(image: string, pull: PullPolicy): Promise<string | undefined> {
  try {
    const client = await connectRuntime();
    if (pull === 'never' && !(await imageExists(client, image)))
      return `the MinIO image ${image} is not present and pulls are disabled`;
    return undefined;
  } catch (error) {
    return `no Docker engine answers (${error instanceof Error ? error.message : String(error)})`;
  }
}

function parseChoice(value: string | undefined): ScratchS3Choice {
  if (value === undefined || value === '') return 'auto';
  if ((SCRATCH_S3_CHOICES as readonly string[]).includes(value)) return value as ScratchS3Choice;
  throw new ConfigError('INVALID_DEMO_S3', `PGDRILL_DEMO_S3 is "${value}"`, {
    hint: `use one of ${SCRATCH_S3_CHOICES.join(', ')}`,
  });
}
