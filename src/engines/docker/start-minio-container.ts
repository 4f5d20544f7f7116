import { currentOwner, formatOwner } from '../../lifecycle/owner-identity.js';
import { OWNER_LABEL } from '../../lifecycle/orphan-containers.js';
import { startSupervisor } from '../../lifecycle/start-supervisor.js';
import { randomBytes } from 'node:crypto';
import type { StartedMinioContainer } from '@testcontainers/minio';
import { Wait } from 'testcontainers';
import { EngineError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';
import {
  connectRuntime,
  ENGINE_LABEL,
  removeLabelled,
  requireImage,
  SERVER_LABEL,
  type PullPolicy,
} from './docker-runtime.js';
import { LoopbackMinioContainer } from './loopback-containers.js';
import { once } from './start-docker-server.js';

/** The MinIO image used when none is configured (`PGDRILL_MINIO_IMAGE` changes it for a whole machine). */
export const DEFAULT_MINIO_IMAGE = 'minio/minio:latest';
const MINIO_PORT = 9000;
const CERTS_DIR = '/pgdrill-certs';

export interface MinioContainerOptions {
  image: string;
  pull: PullPolicy;
  /** PEM certificate (for 127.0.0.1) and its key: MinIO serves HTTPS, like the embedded S3 server. */
  cert: Buffer;
  key: Buffer;
  /** @default 60000 */
  startTimeoutMs?: number;
}

export interface StartedMinio {
  /** `https://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly image: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Stops and removes the container and its volumes; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * A throwaway MinIO through @testcontainers/minio: random root credentials, HTTPS with the caller's
 * certificate, the S3 port on 127.0.0.1 only. Removed on every path, Ctrl-C included.
 */
export async function startMinioContainer(options: MinioContainerOptions): Promise<StartedMinio> {
  const client = await connectRuntime();
  await requireImage(client, options.image, options.pull, 'the scratch S3 server');
  const id = randomBytes(8).toString('hex');
  const secretAccessKey = randomBytes(24).toString('base64url');
  const accessKeyId = `pgdrill-${id}`;
  let container: StartedMinioContainer | undefined;
  // If pgdrill dies (SIGKILL), this removes the container by its label.
  const supervisor = startSupervisor({ dirs: [], containers: [`${SERVER_LABEL}=${id}`] });
  const stop = once(async () => {
    unregister();
    await container?.stop({ remove: true, removeVolumes: true, timeout: 5_000 }).catch(() => undefined);
    await removeLabelled(client, SERVER_LABEL, id).catch(() => undefined);
    supervisor.release();
  });
  const unregister = registerCleanup(`MinIO container (${options.image})`, stop);
  try {
    container = await new LoopbackMinioContainer(options.image)
      .withUsername(accessKeyId)
      .withPassword(secretAccessKey)
      .withCommand(['server', '--certs-dir', CERTS_DIR, '--console-address', ':9001', '/data'])
      .withCopyContentToContainer([
        { content: options.cert, target: `${CERTS_DIR}/public.crt`, mode: 0o644 },
        { content: options.key, target: `${CERTS_DIR}/private.key`, mode: 0o600 },
      ])
      // The readiness probe alone skips certificate checks: it talks to the container just made, sends
      // nothing, and the S3 clients that follow trust only this certificate.
      .withWaitStrategy(Wait.forHttp('/minio/health/live', MINIO_PORT).usingTls().allowInsecure())
      .withLabels({ [ENGINE_LABEL]: 'minio', [SERVER_LABEL]: id, [OWNER_LABEL]: formatOwner(currentOwner()) })
      .withStartupTimeout(options.startTimeoutMs ?? 60_000)
      .start();
    return {
      endpoint: `https://127.0.0.1:${container.getPort()}`,
      image: options.image,
      accessKeyId,
      secretAccessKey,
      stop,
    };
  } catch (error) {
    await stop();
    throw new EngineError(
      'MINIO_START_FAILED',
      `MinIO in ${options.image} did not start: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        hint: 'check that the image is MinIO (it is run as `minio server --certs-dir … /data`), or use the embedded S3 server (--s3 embedded)',
      },
    );
  }
}
