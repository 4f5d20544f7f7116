import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { Agent } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import S3rver from 's3rver';
import { isDrillError, StorageError } from '../errors.js';
import { registerCleanup } from '../process/cleanup.js';
import { runCommand } from '../process/run-command.js';
import type { StoreConfig } from '../storage/create-store.js';
import type { S3StoreOptions } from '../storage/s3-store.js';

export interface EmbeddedS3Options {
  /** Directory under which the server's private temp dir (certificate, key, objects) is created. @default os.tmpdir() */
  dir?: string;
}

/** A running s3rver over HTTPS on 127.0.0.1, for the demo and tests. Unlike a backup source, it may be written. */
export interface EmbeddedS3 extends AsyncDisposable {
  /** `https://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** PEM of the self-signed certificate the server presents; trust it per client, never process-wide. */
  readonly caPath: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Environment for child tools (aws CLI, barman-cloud, pgdrill itself) to reach this server. */
  env(): Record<string, string>;
  /** A suite `storage:` entry pointing at this server; credentials still come from the environment. */
  storeConfig(bucket: string, prefix?: string): StoreConfig & { s3: S3StoreOptions };
  createBucket(name: string): Promise<void>;
  /** Stream a file into the bucket, then check that the stored size is the file's size. */
  putFile(bucket: string, key: string, file: string): Promise<void>;
  putObject(bucket: string, key: string, body: Buffer | string): Promise<void>;
  /** For tests that simulate a backup that vanished. */
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Close the server and remove its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

// s3rver's only account; not a secret.
const KEY = 'S3RVER';
const REGION = 'us-east-1';

export async function startEmbeddedS3(options: EmbeddedS3Options = {}): Promise<EmbeddedS3> {
  const dir = await mkdtemp(path.join(options.dir ?? os.tmpdir(), 'pgdrill-s3-'));
  await chmod(dir, 0o700);
  const unregisterDir = registerCleanup(`embedded S3 temp dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  let server: S3rver | undefined;
  try {
    const { keyPath, certPath } = await createCertificate(dir);
    const cert = await readFile(certPath);
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: path.join(dir, 'objects'),
      key: await readFile(keyPath),
      cert,
      vhostBuckets: false,
    });
    const { port } = await server.run();
    return createHandle({ server, dir, endpoint: `https://127.0.0.1:${port}`, caPath: certPath, cert, unregisterDir });
  } catch (error) {
    await server?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    unregisterDir();
    throw isDrillError(error)
      ? error
      : new StorageError('EMBEDDED_S3_FAILED', `Could not start the embedded S3 server in ${dir}: ${(error as Error).message}`, {
          cause: error,
          hint: 'the embedded S3 server needs openssl on PATH and a writable temp dir',
        });
  }
}

async function createCertificate(dir: string): Promise<{ keyPath: string; certPath: string }> {
  const keyPath = path.join(dir, 'server.key');
  const certPath = path.join(dir, 'ca.pem');
  await runCommand(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    { errorCode: 'EMBEDDED_S3_CERT_FAILED', timeoutMs: 60_000 },
  );
  return { keyPath, certPath };
}

interface HandleParts {
  server: S3rver;
  dir: string;
  endpoint: string;
  caPath: string;
  cert: Buffer;
  unregisterDir: () => void;
}

function createHandle({ server, dir, endpoint, caPath, cert, unregisterDir }: HandleParts): EmbeddedS3 {
  const client = createWriterClient(endpoint, cert);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      unregisterServer();
      client.destroy();
      // close() alone waits for keep-alive sockets from other clients (child tools) to go idle.
      server.httpServer?.closeAllConnections();
      await server.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
      unregisterDir();
    })());
  const unregisterServer = registerCleanup(`embedded S3 server at ${endpoint}`, stop);

  return {
    endpoint,
    caPath,
    accessKeyId: KEY,
    secretAccessKey: KEY,
    region: REGION,
    env: () => ({
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: KEY,
      AWS_REGION: REGION,
      AWS_CA_BUNDLE: caPath,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    }),
    storeConfig: (bucket, prefix) => ({ s3: { bucket, region: REGION, endpoint, forcePathStyle: true, caBundle: caPath, prefix } }),
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putFile(bucket, key, file) {
      const { size } = await stat(file);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
      const stored = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      if (stored.ContentLength !== size) {
        throw new StorageError('EMBEDDED_S3_UPLOAD_CORRUPT', `Uploading ${file} (${size} bytes) to s3://${bucket}/${key} stored ${stored.ContentLength} bytes`, {
          hint: 'the SDK probably sent aws-chunked framing, which s3rver stores verbatim; upload with requestChecksumCalculation WHEN_REQUIRED',
        });
      }
    },
    async putObject(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
    },
    async deleteObject(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

// The one client that writes: it trusts only this server's certificate and never sends aws-chunked bodies.
function createWriterClient(endpoint: string, ca: Buffer): S3Client {
  return new S3Client({
    region: REGION,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: KEY, secretAccessKey: KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, httpsAgent: new Agent({ keepAlive: true, ca }) }),
  });
}
