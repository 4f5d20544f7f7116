import path from 'node:path';
import { runCommand } from '../process/run-command.js';

/** A key and a self-signed certificate for 127.0.0.1 in `dir` (private to the run), made with openssl. */
export async function createLoopbackCertificate(dir: string): Promise<{ keyPath: string; certPath: string }> {
  const keyPath = path.join(dir, 'server.key');
  const certPath = path.join(dir, 'ca.pem');
  await runCommand(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    { errorCode: 'EMBEDDED_S3_CERT_FAILED', timeoutMs: 60_000 },
  );
  return { keyPath, certPath };
}
