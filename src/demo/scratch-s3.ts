import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent } from 'node:https';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StorageError } from '../errors.js';
import { registerCleanup } from '../process/cleanup.js';
import type { StoreConfig } from '../storage/create-store.js';
import type { S3StoreOptions } from '../storage/s3-store.js';

/**
 * A throwaway S3 server over HTTPS on 127.0.0.1 for the demo and tests: the embedded one (s3rver) or MinIO in
 * a container. Unlike a backup source, it may be written.
 */
export interface ScratchS3 extends AsyncDisposable {
  readonly kind: 'embedded' | 'minio';
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
  /** Stop the server and remove its files; safe to call twice. */
  stop(): Promise<void>;
}

export interface ScratchS3Parts {
  kind: ScratchS3['kind'];
  endpoint: string;
  caPath: string;
  cert: Buffer;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server and removes its files (called once). */
  release: () => Promise<void>;
}

const REGION = 'us-east-1';

/** The handle both scratch servers share: one writing client, the environment for tools, stop on every path. */
export function createScratchS3(parts: ScratchS3Parts): ScratchS3 {
  const { kind, endpoint, caPath, accessKeyId, secretAccessKey } = parts;
  const client = createWriterClient(parts);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      unregister();
      client.destroy();
      await parts.release();
    })());
  const unregister = registerCleanup(`${kind} S3 server at ${endpoint}`, stop);
  return {
    kind,
    endpoint,
    caPath,
    accessKeyId,
    secretAccessKey,
    region: REGION,
    env: () => ({
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: REGION,
      AWS_CA_BUNDLE: caPath,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    }),
    storeConfig: (bucket, prefix) => ({
      s3: { bucket, region: REGION, endpoint, forcePathStyle: true, caBundle: caPath, prefix },
    }),
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putFile(bucket, key, file) {
      const { size } = await stat(file);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }),
      );
      const stored = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      if (stored.ContentLength !== size) {
        throw new StorageError(
          'EMBEDDED_S3_UPLOAD_CORRUPT',
          `Uploading ${file} (${size} bytes) to s3://${bucket}/${key} stored ${stored.ContentLength} bytes`,
          {
            hint: 'the SDK probably sent aws-chunked framing, which some S3-compatible servers (s3rver) store verbatim; upload with requestChecksumCalculation WHEN_REQUIRED',
          },
        );
      }
    },
    async putObject(bucket, key, body) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }),
      );
    },
    async deleteObject(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

// The one client that writes: it trusts only this server's certificate and never sends aws-chunked bodies.
function createWriterClient({ endpoint, cert, accessKeyId, secretAccessKey }: ScratchS3Parts): S3Client {
  return new S3Client({
    region: REGION,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5000,
      httpsAgent: new Agent({ keepAlive: true, ca: cert }),
    }),
  });
}
