import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PullPolicy } from '../engines/docker/docker-runtime.js';
import { startMinioContainer } from '../engines/docker/start-minio-container.js';
import { registerCleanup } from '../process/cleanup.js';
import { createScratchS3, type ScratchS3 } from './scratch-s3.js';
import { createLoopbackCertificate } from './self-signed-cert.js';

export interface MinioS3Options {
  image: string;
  pull: PullPolicy;
  /** Directory under which the private temp dir (certificate and key) is created. @default os.tmpdir() */
  dir?: string;
}

/** MinIO in a container (@testcontainers/minio) as a ScratchS3: HTTPS with a fresh certificate, random keys. */
export async function startMinioS3(options: MinioS3Options): Promise<ScratchS3> {
  const dir = await mkdtemp(path.join(options.dir ?? os.tmpdir(), 'pgdrill-minio-'));
  await chmod(dir, 0o700);
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const unregisterDir = registerCleanup(`MinIO certificate dir ${dir}`, removeDir);
  try {
    const { keyPath, certPath } = await createLoopbackCertificate(dir);
    const cert = await readFile(certPath);
    const minio = await startMinioContainer({ image: options.image, pull: options.pull, cert, key: await readFile(keyPath) });
    return createScratchS3({
      kind: 'minio',
      endpoint: minio.endpoint,
      caPath: certPath,
      cert,
      accessKeyId: minio.accessKeyId,
      secretAccessKey: minio.secretAccessKey,
      release: async () => {
        await minio.stop();
        await removeDir();
        unregisterDir();
      },
    });
  } catch (error) {
    await removeDir();
    unregisterDir();
    throw error;
  }
}
