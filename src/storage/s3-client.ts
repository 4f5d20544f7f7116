import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfigError } from '../errors.js';
import type { S3StoreOptions } from './s3-store.js';

/** The S3 client of a store's options: the default credential chain, its own CA bundle, bounded waits. */
export function createS3Client(options: S3StoreOptions): S3Client {
  return new S3Client({
    region: options.region ?? 'us-east-1',
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: options.maxAttempts ?? 3,
    // Checksums only when S3 requires them: S3-compatible servers mishandle the aws-chunked framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectTimeoutMs ?? 5000,
      requestTimeout: options.responseTimeoutMs ?? 30_000,
      throwOnRequestTimeout: true,
      httpsAgent: createHttpsAgent(options.caBundle ?? process.env.AWS_CA_BUNDLE),
    }),
  });
}

function createHttpsAgent(caBundle: string | undefined): Agent {
  if (caBundle === undefined) return new Agent({ keepAlive: true, maxSockets: 50 });
  try {
    return new Agent({ keepAlive: true, maxSockets: 50, ca: readFileSync(caBundle) });
  } catch (error) {
    throw new ConfigError(
      'CA_BUNDLE_UNREADABLE',
      `Could not read the CA bundle ${caBundle}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'caBundle (or AWS_CA_BUNDLE) must name a readable PEM file with the CA certificate(s) of the S3 server',
      },
    );
  }
}

/** A key prefix as a root: no leading slash, one trailing slash unless empty. */
export function normalizeRoot(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
