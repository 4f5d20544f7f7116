import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SourceError, StorageError, isDrillError } from '../../errors.js';
import { spawnFilter } from '../../process/filter-process.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { isDiskFull } from '../../util/disk-full.js';
import { createDumpEndWatch } from './dump-end.js';
import { createOpensslDecrypt, type OpensslDecryptOptions } from './openssl-decrypt.js';
import { sniffCompression, sniffFormat, type Compression, type DumpFormat } from './sniff-format.js';

export interface OpenArchiveOptions {
  store: ObjectStore;
  key: string;
  decrypt?: Omit<OpensslDecryptOptions, 'what'>;
  compression: Compression | 'auto';
  signal?: AbortSignal;
  onBytes?: (bytesRead: number) => void;
  /** The object's listed size: reading fewer or more bytes is a storage fault, never a pass. */
  size?: number;
  /** The archive's format, once known: the decoded stream then errors as soon as it ends short of the format's end. */
  format?: DumpFormat;
  /** Called each time the store resumes a cut or stalled read of the object. */
  onResume?: () => void;
}

export interface OpenedArchive {
  /** The decoded archive bytes, as pg_restore or psql read them. */
  stream: Readable;
  compression: Compression;
  /** SHA-256 (hex) and size of the stored bytes, and reads resumed after a cut; complete once `stream` has ended. */
  stored(): { sha256: string; bytes: number; readRetries: number };
  /** The first error any stage raised (read, decrypt, decompress), if one did. */
  failure(): Error | undefined;
  /**
   * Once the tool reading `stream` has exited 0: the object was read whole (bytes = listed size), no stage
   * failed, and the decoded stream ended where `format` says. Returns what the SHA-256 was taken of.
   */
  requireWhole(format: DumpFormat): { sha256: string; bytes: number; readRetries: number };
}

/** Stored object → (sha256 tap) → decrypt → decompress, all streamed: no plaintext copy on disk. */
export async function openArchive(options: OpenArchiveOptions): Promise<OpenedArchive> {
  const what = `${options.store.description}/${options.key}`;
  let failure: Error | undefined;
  // A premature close is our own reader stopping early (the table-of-contents peek); a cut read still shows
  // in requireWhole as bytes short of the size.
  const remember = (stage: Stage) => (error: Error | null | undefined) => {
    if (error && !failure && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      failure = classify(error, stage, { what, bytes, size: options.size });
  };
  let readRetries = 0;
  const raw = await options.store.read(options.key, {
    signal: options.signal,
    expectedSize: options.size,
    onResume: () => {
      readRetries += 1;
      options.onResume?.();
    },
  });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onBytes?.(bytes);
      done(null, chunk);
    },
    flush(done) {
      if (options.size === undefined || bytes === options.size) return done();
      done(
        new StorageError(
          'STORAGE_READ_INCOMPLETE',
          `reading ${what} ended after ${bytes} of its ${options.size} bytes`,
          { hint: 'the connection to the store was cut or the object changed while it was read; run the drill again' },
        ),
      );
    },
  });
  let stream: Readable = pipeline(raw, tap, remember('read'));
  let plaintextRecognised = false;
  if (options.decrypt)
    stream = pipeline(
      stream,
      createOpensslDecrypt({ ...options.decrypt, what, plaintextRecognised: () => plaintextRecognised }),
      remember('decrypt'),
    );
  const head = await readHead(stream, 4);
  stream = head.stream;
  const compression = options.compression === 'auto' ? sniffCompression(head.bytes) : options.compression;
  if (options.decrypt) {
    const sniffed = sniffCompression(head.bytes);
    // With the right key the plaintext starts with the compression's magic; garbage means the key differs.
    if (compression !== 'none' && sniffed !== compression) {
      stream.destroy();
      throw wrongKeyFor(what, compression, options.decrypt);
    }
    plaintextRecognised = sniffed !== 'none' || sniffFormat(head.bytes) !== undefined;
  }
  if (compression === 'gzip') stream = pipeline(stream, createGunzip(), remember('decompress'));
  if (compression === 'zstd') stream = spawnFilter('zstd', ['-dcq'], stream, 'DECOMPRESS_FAILED');
  const end = createDumpEndWatch({ format: options.format, what, storedBytes: () => bytes });
  stream = pipeline(stream, end.transform, remember('decompress'));
  stream.on('error', remember('decompress'));
  const stored = () => ({ sha256: hash.copy().digest('hex'), bytes, readRetries });
  return {
    stream,
    compression,
    stored,
    failure: () => failure,
    requireWhole(format) {
      if (failure) throw failure;
      if (options.size !== undefined && bytes !== options.size)
        throw new StorageError(
          'STORAGE_READ_INCOMPLETE',
          `${what} was not read whole: ${bytes} of its ${options.size} bytes`,
          { hint: 'the connection to the store was cut; run the drill again' },
        );
      end.require(format, { what, storedBytes: bytes });
      return stored();
    },
  };
}

type Stage = 'read' | 'decrypt' | 'decompress';

/** Name a stage's raw error for what it means: a read cut is the store's fault, bad compressed data the backup's. */
function classify(error: Error, stage: Stage, at: { what: string; bytes: number; size?: number }): Error {
  if (isDrillError(error) || error.name === 'AbortError') return error;
  if (isDiskFull(error)) return error;
  const zlib = (error as NodeJS.ErrnoException).code;
  if (stage !== 'read' && (zlib === 'Z_BUF_ERROR' || /unexpected end of file/i.test(error.message)))
    return new SourceError(
      'DUMP_TRUNCATED',
      `${at.what} was read whole (${at.bytes} bytes) but its compressed stream stops before its end (${error.message})`,
      {
        cause: error,
        hint: 'the backup was cut when it was written or uploaded; take a new backup and check the job that writes it',
      },
    );
  if (stage !== 'read' && zlib?.startsWith('Z_'))
    return new SourceError('DECOMPRESS_FAILED', `${at.what} does not decompress: ${error.message}`, {
      cause: error,
      hint: 'the archive is damaged, or the suite names the wrong `compression`',
    });
  if (stage === 'read')
    return new StorageError(
      'STORAGE_READ_INCOMPLETE',
      `reading ${at.what} failed after ${at.bytes}${at.size === undefined ? '' : ` of ${at.size}`} bytes: ${error.message}`,
      {
        cause: error,
        hint: 'the store or the connection to it failed mid-read; run the drill again',
      },
    );
  return error;
}

function wrongKeyFor(what: string, compression: Compression, d: Omit<OpensslDecryptOptions, 'what'>): SourceError {
  return new SourceError(
    'DECRYPT_FAILED',
    `decrypting ${what} with ${d.cipher}${d.pbkdf2 ? ` -pbkdf2 -iter ${d.iterations}` : ''} -md ${d.digest} did not give a ${compression} stream`,
    {
      hint: 'the key in the environment variable is wrong, or the archive was encrypted with other openssl options (cipher, -pbkdf2, -iter, -md)',
    },
  );
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
