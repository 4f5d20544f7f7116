import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createScratchS3, type ScratchS3 } from '../../src/demo/scratch-s3.js';

const EMBEDDED_S3 = join(import.meta.dirname, '..', '..', 'dist', 'demo', 'embedded-s3.js');

// In the child: start the server, print how to reach it, stop it (removing its files) when stdin ends.
const CHILD = `
const { startEmbeddedS3 } = await import(process.argv[1]);
const s3 = await startEmbeddedS3();
const { readFile } = await import('node:fs/promises');
const cert = (await readFile(s3.caPath)).toString('base64');
console.log(JSON.stringify({ endpoint: s3.endpoint, caPath: s3.caPath, cert, key: s3.accessKeyId, secret: s3.secretAccessKey }));
process.stdin.resume();
process.stdin.on('end', async () => { await s3.stop(); process.exit(0); });
`;

/**
 * The embedded S3 (built dist/) in a child Node with OpenSSL's legacy provider. s3rver makes the
 * continuation token of a ListObjectsV2 page with DES, which OpenSSL 3 refuses without that provider: in
 * pgdrill's own process a listing of more than 1000 keys answers HTTP 500. A backup with more files than
 * that (a plain copy of a data directory) needs a server that pages. The child stops when the test process's
 * pipe to it closes, also when the test process is killed.
 */
export async function startPagingEmbeddedS3(): Promise<ScratchS3> {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--input-type=module', '-e', CHILD, EMBEDDED_S3],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line as string),
    exited.then(([code]) => ({ code })),
  ]);
  if (typeof first !== 'string')
    throw new Error(`the embedded S3 process exited (${first.code}) before it served; is dist/ built (npm run build)?`);
  const info = JSON.parse(first) as { endpoint: string; caPath: string; cert: string; key: string; secret: string };
  return createScratchS3({
    kind: 'embedded',
    endpoint: info.endpoint,
    caPath: info.caPath,
    cert: Buffer.from(info.cert, 'base64'),
    accessKeyId: info.key,
    secretAccessKey: info.secret,
    release: async () => {
      child.stdin.end();
      await exited;
    },
  });
}
