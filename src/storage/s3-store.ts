import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SourceError, StorageError } from '../errors.js';
import { createS3Client, normalizeRoot } from './s3-client.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import { createResumableRead, replaced, type ReadPart, type ReadResumeEvent } from './resumable-read.js';

/** Where an S3 (or S3-compatible) store lives. Credentials are never options: the AWS default chain supplies them. */
export interface S3StoreOptions {
  bucket: string;
  /** @default 'us-east-1' */
  region?: string;
  /** An S3-compatible endpoint (MinIO, Ceph, s3rver), e.g. `https://minio.internal:9000`. @default AWS S3 for `region` */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint`; most non-AWS servers need it. @default false */
  forcePathStyle?: boolean;
  /** PEM file of the CA(s) to trust for this store only (a private CA, a self-signed server). @default process.env.AWS_CA_BUNDLE */
  caBundle?: string;
  /** Root prefix every key is relative to, e.g. `prod/db1/`. @default '' */
  prefix?: string;
  /** How long to wait for the TCP connection. @default 5000 */
  connectTimeoutMs?: number;
  /**
   * How long to wait, once connected, for a response to start (TLS handshake included). It does not apply
   * while a body streams, so a slow consumer (pg_restore busy on an index) never trips it. @default 30000
   */
  responseTimeoutMs?: number;
  /** Attempts per request, retries included. @default 3 */
  maxAttempts?: number;
  /** Attempts to read one object's body in all, resumes after a cut, reset or stall included. @default 5 */
  readAttempts?: number;
  /** How long a body may deliver no bytes while its reader waits before it is resumed. @default 60000 */
  readIdleTimeoutMs?: number;
  /** Backoff before the first resume of a body; doubles each time, at most 5 s. @default 200 */
  readRetryDelayMs?: number;
}

export function createS3Store(options: S3StoreOptions): ObjectStore {
  const { bucket } = options;
  const region = options.region ?? 'us-east-1';
  const root = normalizeRoot(options.prefix);
  const endpointLabel = options.endpoint ? `endpoint ${options.endpoint}` : `AWS S3 in ${region}`;
  const context = { bucket, endpointLabel, options };
  const client = createS3Client(options);
  let bucketSeen = false;

  const send = async <T>(
    action: string,
    run: () => Promise<T>,
    missing: ErrorContext['missing'] = 'object',
  ): Promise<T> => {
    const started = Date.now();
    try {
      const result = await run();
      bucketSeen = true;
      return result;
    } catch (error) {
      throw mapS3Error(error, { ...context, action, elapsedMs: Date.now() - started, missing });
    }
  };

  // Only a missing bucket matters here; a key user without s3:ListBucket may get 403 for HeadBucket.
  const confirmBucket = async (signal: AbortSignal | undefined): Promise<void> => {
    try {
      await send(
        `checking that bucket ${bucket} exists`,
        () => client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal }),
        'bucket',
      );
    } catch (error) {
      if (error instanceof StorageError && error.code === 'BUCKET_NOT_FOUND') throw error;
    }
  };

  return {
    kind: 's3',
    description: `s3://${bucket}/${root} (${endpointLabel})`,

    async list(prefix, { signal } = {}) {
      const found: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const page = await send(`listing s3://${bucket}/${root}${prefix}`, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: root + prefix, ContinuationToken: token }), {
            abortSignal: signal,
          }),
        );
        for (const item of page.Contents ?? []) {
          // Keys ending in '/' are folder placeholders made by consoles, not objects.
          if (item.Key === undefined || item.Key.endsWith('/')) continue;
          found.push({
            key: item.Key.slice(root.length),
            size: item.Size ?? 0,
            lastModified: item.LastModified ?? new Date(0),
            etag: unquote(item.ETag),
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found.sort((a, b) => compareKeys(a.key, b.key));
    },

    async head(key, { signal } = {}) {
      try {
        const meta = await send(`reading the metadata of s3://${bucket}/${root}${key}`, () =>
          client.send(new HeadObjectCommand({ Bucket: bucket, Key: root + key }), { abortSignal: signal }),
        );
        return {
          key,
          size: meta.ContentLength ?? 0,
          lastModified: meta.LastModified ?? new Date(0),
          etag: unquote(meta.ETag),
        };
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        // HEAD has no error body, so a missing bucket also looks like a missing key: ask once to tell them apart.
        if (!bucketSeen) await confirmBucket(signal);
        return undefined;
      }
    },

    async read(key, { range, signal, expectedSize, onResume } = {}) {
      const label = `s3://${bucket}/${root}${key}`;
      const get = (from: number, etag: string | undefined, abortSignal: AbortSignal | undefined) => {
        const start = (range?.start ?? 0) + from;
        const wanted = from > 0 || range ? `bytes=${start}-${range ? range.end : ''}` : undefined;
        return client.send(new GetObjectCommand({ Bucket: bucket, Key: root + key, Range: wanted, IfMatch: etag }), {
          abortSignal,
        });
      };
      const first = toPart(
        await openFirst(label, () => send(`reading ${label}`, () => get(0, undefined, signal)), {
          signal,
          expectedSize,
          onResume,
          key,
        }),
      );
      if (expectedSize !== undefined && !range && first.length !== expectedSize) {
        first.body.destroy();
        throw new StorageError(
          'STORAGE_OBJECT_CHANGED',
          `${label} is ${first.length} bytes now, but ${expectedSize} bytes when it was listed`,
          {
            hint: 'the object was replaced during the drill; run the drill again once uploads have finished',
          },
        );
      }
      return createResumableRead({
        label,
        key,
        first,
        signal,
        onResume,
        maxAttempts: options.readAttempts,
        idleTimeoutMs: options.readIdleTimeoutMs,
        retryDelayMs: options.readRetryDelayMs,
        fetchFrom: async (offset, abortSignal) => {
          try {
            return toPart(await get(offset, first.etag, AbortSignal.any([abortSignal, ...(signal ? [signal] : [])])));
          } catch (error) {
            if ((error as SdkError).$metadata?.httpStatusCode === 412) throw replaced(label, first.etag, undefined);
            throw error;
          }
        },
      });
    },

    async close() {
      client.destroy();
    },
  };

  /**
   * The first GET of an object already listed (its size known) shares the read's attempt budget: a
   * connection reset before any byte is the same storage fault as one after many, reported as bytes read
   * of bytes expected.
   */
  async function openFirst<T>(
    label: string,
    request: () => Promise<T>,
    at: { signal?: AbortSignal; expectedSize?: number; onResume?: (e: ReadResumeEvent) => void; key: string },
  ): Promise<T> {
    const maxAttempts = options.readAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await request();
      } catch (error) {
        const transient =
          error instanceof StorageError && error.code === 'STORAGE_UNREACHABLE' && !error.message.startsWith('TLS');
        if (at.expectedSize === undefined || !transient || at.signal?.aborted) throw error;
        const reason = error.message.replace(/^Could not reach .* while reading [^:]*: /, '');
        if (attempt >= maxAttempts)
          throw new StorageError(
            'STORAGE_READ_INCOMPLETE',
            `Read 0 of ${at.expectedSize} bytes of ${label} after ${attempt} attempts: ${reason}`,
            {
              cause: error,
              hint: 'the connection to the store was cut or reset every time; check the network path (proxies, load balancers, idle timeouts) and the storage server, then run the drill again',
            },
          );
        at.onResume?.({ key: at.key, bytesRead: 0, totalBytes: at.expectedSize, attempt: attempt + 1, reason });
        await delay(Math.min((options.readRetryDelayMs ?? 200) * 2 ** (attempt - 1), 5000), undefined, {
          signal: at.signal,
        });
      }
    }
  }
}

// In Node the body is the http.IncomingMessage itself: a Readable.
function toPart(response: { Body?: unknown; ContentLength?: number; ETag?: string }): ReadPart {
  const body = response.Body instanceof Readable ? response.Body : Readable.from([]);
  return { body, length: response.ContentLength ?? 0, etag: unquote(response.ETag) };
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface ErrorContext {
  bucket: string;
  endpointLabel: string;
  options: S3StoreOptions;
  action: string;
  elapsedMs: number;
  /** What a bare 404 means: HEAD responses carry no error code. */
  missing: 'object' | 'bucket';
}

type SdkError = {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
};

const ACCESS_CODES = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AllAccessDisabled',
]);
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|EPROTO/;

/** Turn an SDK or socket error into the pgdrill error a user can act on; never includes credentials. */
function mapS3Error(error: unknown, context: ErrorContext): Error {
  const e = error as SdkError;
  if (e.name === 'AbortError') return error as Error;
  if (e.name === 'CredentialsProviderError') {
    return new StorageError(
      'STORAGE_ACCESS_DENIED',
      `No AWS credentials were found for bucket ${context.bucket} at ${context.endpointLabel} while ${context.action}: ${e.message}`,
      {
        cause: error,
        hint: 'provide credentials through the AWS default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, a web identity or an instance role); suites never hold credentials',
      },
    );
  }
  return e.$metadata?.httpStatusCode === undefined ? mapNetworkError(e, context) : mapServiceError(e, context);
}

/** No HTTP response at all: refused, DNS, timeout, TLS. */
function mapNetworkError(e: SdkError, { bucket, endpointLabel, action, options, elapsedMs }: ErrorContext): Error {
  const code = e.code ?? e.name ?? 'Error';
  // Node's AggregateError (one failure per address tried) has an empty message.
  const reason = e.message || code;
  const where = `bucket ${bucket} at ${endpointLabel}`;
  if (TLS_CODE.test(code)) {
    return new StorageError(
      'STORAGE_UNREACHABLE',
      `TLS verification failed for ${where} while ${action}: ${reason} (${code})`,
      {
        cause: e,
        hint: 'if the server uses a private CA or a self-signed certificate, set caBundle (or AWS_CA_BUNDLE) to its PEM file; pgdrill never turns certificate checks off',
      },
    );
  }
  const attempts = e.$metadata?.attempts ?? options.maxAttempts ?? 3;
  return new StorageError(
    'STORAGE_UNREACHABLE',
    `Could not reach ${where} while ${action}: ${reason} (${code}, up to ${attempts} attempts in ${elapsedMs} ms)`,
    {
      cause: e,
      hint: `check the endpoint and region, that the server is up and that this machine can reach it (connectTimeoutMs=${options.connectTimeoutMs ?? 5000}, responseTimeoutMs=${options.responseTimeoutMs ?? 30_000})`,
    },
  );
}

/** S3 answered with an error status. */
function mapServiceError(e: SdkError, { bucket, endpointLabel, action, options, missing }: ErrorContext): Error {
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const where = `bucket ${bucket} at ${endpointLabel}`;
  if (name === 'NoSuchBucket' || (status === 404 && missing === 'bucket')) {
    return new StorageError(
      'BUCKET_NOT_FOUND',
      `Bucket ${bucket} does not exist at ${endpointLabel} (while ${action})`,
      {
        cause: e,
        hint: `check the bucket name and region${options.endpoint && !options.forcePathStyle ? '; S3-compatible servers usually need forcePathStyle: true' : ''}`,
      },
    );
  }
  if (ACCESS_CODES.has(name) || status === 403) {
    return new StorageError(
      'STORAGE_ACCESS_DENIED',
      `Access to ${where} was denied while ${action}: ${name} (HTTP ${status})`,
      {
        cause: e,
        hint: 'credentials come from the AWS default chain: check which identity is in use (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that it may s3:ListBucket and s3:GetObject here',
      },
    );
  }
  if (name === 'NoSuchKey' || status === 404) {
    return new SourceError('BACKUP_NOT_FOUND', `No object found in ${where} while ${action}`, {
      cause: e,
      hint: 'list the prefix to see which keys exist; the backup may have been removed by a retention or lifecycle rule',
    });
  }
  const wrongRegion = name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed';
  return new StorageError(
    'STORAGE_REQUEST_FAILED',
    `S3 request to ${where} failed while ${action}: ${name} (HTTP ${status}): ${e.message}`,
    {
      cause: e,
      hint: wrongRegion ? 'set region to the region of the bucket' : 'retry later, or check the S3 server log',
    },
  );
}
