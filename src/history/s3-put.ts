import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StorageError } from '../errors.js';
import { createS3Client, normalizeRoot } from '../storage/s3-client.js';
import type { S3StoreOptions } from '../storage/s3-store.js';

/**
 * The one place pgdrill writes to S3, for history objects only. The ObjectStore has no write method by
 * design (backup sources are read-only); suite rules keep the history prefix apart from every source.
 */
export interface S3Putter {
  put(key: string, body: string, contentType: string): Promise<void>;
  close(): void;
}

export function createS3Putter(options: S3StoreOptions): S3Putter {
  const client = createS3Client(options);
  const where = `s3://${options.bucket}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  return {
    async put(key, body, contentType) {
      const fullKey = normalizeRoot(options.prefix) + key;
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: fullKey,
            Body: body,
            ContentType: contentType,
            ContentLength: Buffer.byteLength(body),
          }),
        );
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        throw new StorageError(
          'HISTORY_WRITE_FAILED',
          `could not write history object ${fullKey} to ${where}: ${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}`,
          {
            cause: error,
            hint: 'the identity from the AWS default chain needs s3:PutObject on the history prefix (and only there)',
          },
        );
      }
    },
    close: () => client.destroy(),
  };
}
