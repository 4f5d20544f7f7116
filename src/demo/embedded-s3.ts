import path from 'node:path';
import type S3rver from 's3rver';
import { isDrillError, StorageError } from '../errors.js';
import { createScratchS3, type ScratchS3 } from './scratch-s3.js';
import { createCertificateDir } from './self-signed-cert.js';

export interface EmbeddedS3Options {
  /** Directory under which the server's private temp dir (certificate, key, objects) is created. @default os.tmpdir() */
  dir?: string;
}

/** A running s3rver over HTTPS on 127.0.0.1 (a ScratchS3 of kind `embedded`). */
export type EmbeddedS3 = ScratchS3;

// s3rver's only account; not a secret.
const KEY = 'S3RVER';

/** The range pgdrill is tested with; s3rver is a dev dependency, not installed with pgdrill. */
export const S3RVER_RANGE = '^3.7.1';

export async function startEmbeddedS3(options: EmbeddedS3Options = {}): Promise<EmbeddedS3> {
  const S3rverClass = await loadS3rver();
  const certs = await createCertificateDir({
    parent: options.dir,
    prefix: 'pgdrill-s3-',
    label: 'embedded S3 temp dir',
  });
  let server: S3rver | undefined;
  try {
    server = new S3rverClass({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: path.join(certs.dir, 'objects'),
      key: certs.key,
      cert: certs.cert,
      vhostBuckets: false,
    });
    const { port } = await server.run();
    const running = server;
    return createScratchS3({
      kind: 'embedded',
      endpoint: `https://127.0.0.1:${port}`,
      caPath: certs.certPath,
      cert: certs.cert,
      accessKeyId: KEY,
      secretAccessKey: KEY,
      release: async () => {
        // close() alone waits for keep-alive sockets from other clients (child tools) to go idle.
        running.httpServer?.closeAllConnections();
        await running.close().catch(() => {});
        await certs.remove();
      },
    });
  } catch (error) {
    await server?.close().catch(() => {});
    await certs.remove();
    throw isDrillError(error)
      ? error
      : new StorageError(
          'EMBEDDED_S3_FAILED',
          `Could not start the embedded S3 server in ${certs.dir}: ${(error as Error).message}`,
          {
            cause: error,
            hint: 'the embedded S3 server needs openssl on PATH and a writable temp dir',
          },
        );
  }
}

// Loaded on use: only the demo and tests need it, so `npm install pgdrill` does not bring s3rver's tree.
async function loadS3rver(): Promise<typeof S3rver> {
  try {
    return (await import('s3rver')).default;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new StorageError(
      'EMBEDDED_S3_MISSING',
      'The embedded S3 server (the npm package s3rver) is not installed; pgdrill does not install it with itself',
      {
        cause: error,
        hint: `install it next to pgdrill with \`npm install --no-save s3rver@${S3RVER_RANGE}\` (or run \`npx -p pgdrill -p s3rver@${S3RVER_RANGE} pgdrill demo\`), or let the demo use MinIO: start Docker and pass --s3 minio`,
      },
    );
  }
}
