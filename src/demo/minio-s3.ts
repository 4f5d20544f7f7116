import type { PullPolicy } from '../engines/docker/docker-runtime.js';
import { startMinioContainer } from '../engines/docker/start-minio-container.js';
import { createScratchS3, type ScratchS3 } from './scratch-s3.js';
import { createCertificateDir } from './self-signed-cert.js';

export interface MinioS3Options {
  image: string;
  pull: PullPolicy;
  /** Directory under which the private temp dir (certificate and key) is created. @default os.tmpdir() */
  dir?: string;
}

/** MinIO in a container (@testcontainers/minio) as a ScratchS3: HTTPS with a fresh certificate, random keys. */
export async function startMinioS3(options: MinioS3Options): Promise<ScratchS3> {
  const certs = await createCertificateDir({
    parent: options.dir,
    prefix: 'pgdrill-minio-',
    label: 'MinIO certificate dir',
  });
  try {
    const minio = await startMinioContainer({
      image: options.image,
      pull: options.pull,
      cert: certs.cert,
      key: certs.key,
    });
    return createScratchS3({
      kind: 'minio',
      endpoint: minio.endpoint,
      caPath: certs.certPath,
      cert: certs.cert,
      accessKeyId: minio.accessKeyId,
      secretAccessKey: minio.secretAccessKey,
      release: async () => {
        await minio.stop();
        await certs.remove();
      },
    });
  } catch (error) {
    await certs.remove();
    throw error;
  }
}
