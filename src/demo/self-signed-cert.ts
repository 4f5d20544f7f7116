import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerCleanup } from '../process/cleanup.js';
import { runCommand } from '../process/run-command.js';

/** A private (0700) temp dir holding a key and a self-signed certificate for 127.0.0.1. */
export interface CertificateDir {
  readonly dir: string;
  /** PEM file of the certificate: what clients trust. */
  readonly certPath: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Remove the dir and its cleanup registration; safe to call twice. */
  remove(): Promise<void>;
}

/** Made with openssl in a new dir under `parent`, registered for removal on Ctrl-C; removed again on failure. */
export async function createCertificateDir(options: {
  parent?: string;
  prefix: string;
  label: string;
}): Promise<CertificateDir> {
  const dir = await mkdtemp(path.join(options.parent ?? os.tmpdir(), options.prefix));
  await chmod(dir, 0o700);
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const unregister = registerCleanup(`${options.label} ${dir}`, removeDir);
  const remove = async () => {
    await removeDir();
    unregister();
  };
  try {
    const keyPath = path.join(dir, 'server.key');
    const certPath = path.join(dir, 'ca.pem');
    await runCommand(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { errorCode: 'EMBEDDED_S3_CERT_FAILED', timeoutMs: 60_000 },
    );
    return { dir, certPath, cert: await readFile(certPath), key: await readFile(keyPath), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
