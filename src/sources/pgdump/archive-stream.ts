import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { spawnFilter } from '../../process/filter-process.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { createOpensslDecrypt, type OpensslDecryptOptions } from './openssl-decrypt.js';
import { sniffCompression, type Compression } from './sniff-format.js';

export interface OpenArchiveOptions {
  store: ObjectStore;
  key: string;
  decrypt?: Omit<OpensslDecryptOptions, 'what'>;
  compression: Compression | 'auto';
  signal?: AbortSignal;
  onBytes?: (bytesRead: number) => void;
}

export interface OpenedArchive {
  /** The decoded archive bytes, as pg_restore or psql read them. */
  stream: Readable;
  compression: Compression;
  /** SHA-256 (hex) and size of the stored bytes; complete once `stream` has ended. */
  stored(): { sha256: string; bytes: number };
  /** The first error any stage raised (read, decrypt, decompress), if one did. */
  failure(): Error | undefined;
}

/** Stored object → (sha256 tap) → decrypt → decompress, all streamed: no plaintext copy on disk. */
export async function openArchive(options: OpenArchiveOptions): Promise<OpenedArchive> {
  const what = `${options.store.description}/${options.key}`;
  let failure: Error | undefined;
  const remember = (error: Error | null | undefined) => {
    if (error && !failure) failure = error;
  };
  const raw = await options.store.read(options.key, { signal: options.signal });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onBytes?.(bytes);
      done(null, chunk);
    },
  });
  let stream: Readable = pipeline(raw, tap, remember);
  if (options.decrypt) stream = pipeline(stream, createOpensslDecrypt({ ...options.decrypt, what }), remember);
  const head = await readHead(stream, 4);
  stream = head.stream;
  const compression = options.compression === 'auto' ? sniffCompression(head.bytes) : options.compression;
  if (compression === 'gzip') stream = pipeline(stream, createGunzip(), remember);
  if (compression === 'zstd') stream = spawnFilter('zstd', ['-dcq'], stream, 'DECOMPRESS_FAILED');
  stream.on('error', remember);
  return {
    stream,
    compression,
    stored: () => ({ sha256: hash.copy().digest('hex'), bytes }),
    failure: () => failure,
  };
}

/** Read at least `min` bytes without consuming them: they are put back for the next reader. */
export async function readHead(stream: Readable, min: number): Promise<{ bytes: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  // Read synchronously first: data already buffered (e.g. put back by an earlier readHead) emits no new
  // 'readable' event, so waiting for one would wait forever on a small object.
  while (length < min) {
    const chunk: Buffer | null = stream.read();
    if (chunk !== null) {
      chunks.push(chunk);
      length += chunk.length;
      continue;
    }
    if (stream.readableEnded) {
      ended = true;
      break;
    }
    ended = await nextReadable(stream);
    if (ended) break;
  }
  const bytes = Buffer.concat(chunks);
  if (ended) return { bytes, stream: Readable.from(bytes.length ? [bytes] : []) };
  stream.unshift(bytes);
  return { bytes, stream };
}

/** Wait until more data can be read (false) or the stream has ended (true). */
function nextReadable(stream: Readable): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const done = (result: boolean) => () => {
      cleanup();
      resolve(result);
    };
    const onReadable = done(false);
    const onEnd = done(true);
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
