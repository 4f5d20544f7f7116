import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EmbeddedS3 } from '../embedded-s3.js';

export interface S3Object {
  key: string;
  size: number;
  etag?: string;
}

/** List and read the embedded S3 with its own credentials and certificate (the process env is not touched). */
export async function withS3Reader<T>(s3: EmbeddedS3, fn: (reader: S3Reader) => Promise<T>): Promise<T> {
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: await readFile(s3.caPath) }) }),
  });
  try {
    return await fn(createReader(client));
  } finally {
    client.destroy();
  }
}

export interface S3Reader {
  /** Every object under `prefix`, sorted by key. */
  list(bucket: string, prefix: string): Promise<S3Object[]>;
  get(bucket: string, key: string): Promise<Buffer>;
}

function createReader(client: S3Client): S3Reader {
  return {
    // ListObjects v1 and its marker: s3rver's v2 continuation tokens use DES, which OpenSSL 3 refuses
    // without the legacy provider, so a second page of ListObjectsV2 fails with InternalError.
    async list(bucket, prefix) {
      const found: S3Object[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
        for (const item of page.Contents ?? [])
          if (item.Key) found.push({ key: item.Key, size: item.Size ?? 0, etag: item.ETag?.replace(/"/g, '') });
        marker = page.NextMarker ?? page.Contents?.at(-1)?.Key;
        if (!page.IsTruncated || marker === undefined) break;
      }
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async get(bucket, key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await response.Body!.transformToByteArray());
    },
  };
}

/** Every object under `prefix` of `bucket`. */
export function listObjects(s3: EmbeddedS3, bucket: string, prefix: string): Promise<S3Object[]> {
  return withS3Reader(s3, (r) => r.list(bucket, prefix));
}
