import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { StoreConfig } from '../storage/create-store.js';

export interface LocationOptions {
  /** S3-compatible endpoint, as the suite's s3 store `endpoint`. */
  endpoint?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** PEM file of the CA to trust for the endpoint. */
  caFile?: string;
}

export interface ParsedLocation {
  store: StoreConfig;
  /** Keys are listed under it (relative to the store root). */
  prefix: string;
  /** `s3://bucket/prefix` or the absolute directory. */
  display: string;
}

/** `s3://bucket/prefix` or a local directory → the store a suite would name, and where to look in it. */
export function parseLocation(from: string, options: LocationOptions = {}, cwd = process.cwd()): ParsedLocation {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(from);
  if (s3) {
    const [, bucket, rest] = s3;
    const prefix = rest ? rest.replace(/\/*$/, '/') : '';
    if (options.endpoint !== undefined && !/^https?:\/\//.test(options.endpoint))
      throw new ConfigError('INVALID_LOCATION', `--endpoint ${options.endpoint} is not a URL`, {
        hint: 'write it as https://host:port',
      });
    const store: StoreConfig = {
      s3: {
        bucket: bucket!,
        region: options.region ?? 'us-east-1',
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.caFile ? { caBundle: resolve(cwd, options.caFile) } : {}),
      },
    };
    return { store, prefix, display: `s3://${bucket}/${prefix}` };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from))
    throw new ConfigError(
      'INVALID_LOCATION',
      `pgdrill init reads s3://bucket/prefix or a local directory, not ${from.replace(/\/\/[^@/]*@/, '//…@')}`,
      { hint: 'for S3-compatible servers give s3://bucket/prefix with --endpoint' },
    );
  if (options.endpoint || options.caFile)
    throw new ConfigError('INVALID_LOCATION', '--endpoint and --ca-file apply to s3:// locations only', {
      hint: `${from} is read as a local directory`,
    });
  const root = resolve(cwd, from);
  return { store: { filesystem: { root } }, prefix: '', display: root };
}
