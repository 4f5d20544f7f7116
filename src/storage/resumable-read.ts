import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { StorageError } from '../errors.js';

/** One response body of a ranged read: where it starts in the object and how many bytes it promises. */
export interface ReadPart {
  body: Readable;
  /** Bytes this response says it carries (Content-Length). */
  length: number;
  /** Identity of the object version (ETag); a resumed part of another version is never stitched. */
  etag?: string;
}

/** Why a read was resumed, for counting retries in reports. */
export interface ReadResumeEvent {
  key: string;
  /** Bytes delivered to the consumer before the resume. */
  bytesRead: number;
  totalBytes: number;
  /** The attempt about to start (2 for the first resume). */
  attempt: number;
  reason: string;
}

export interface ResumableReadOptions {
  /** What is read, for messages: `s3://bucket/key`. */
  label: string;
  key: string;
  first: ReadPart;
  /** Fetch the object's bytes from `offset` (relative to the first byte of the read) to the end of the read. */
  fetchFrom(offset: number, signal: AbortSignal): Promise<ReadPart>;
  /** Attempts in all, the first read included. @default 5 */
  maxAttempts?: number;
  /** How long a body may deliver nothing while the consumer waits for it. @default 60000 */
  idleTimeoutMs?: number;
  /** First backoff before a resume; doubles each time, at most 5 s. @default 200 */
  retryDelayMs?: number;
  signal?: AbortSignal;
  onResume?: (event: ReadResumeEvent) => void;
}

/**
 * A stream of exactly `first.length` bytes: a body that errors, ends short or stalls is resumed from the
 * last byte received; when the attempts run out the stream errors. It never ends cleanly after a short read.
 */
export function createResumableRead(options: ResumableReadOptions): Readable {
  const total = options.first.length;
  const maxAttempts = options.maxAttempts ?? 5;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const internal = new AbortController();
  let body: Readable | undefined;
  let received = 0;
  let attempts = 1;
  let idleTimer: NodeJS.Timeout | undefined;
  let resuming = false;

  const stopIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  // Armed only while we ask the body for bytes: backpressure from a slow consumer never counts as a stall.
  const armIdle = () => {
    stopIdle();
    idleTimer = setTimeout(() => void resume(`no bytes for ${idleMs} ms`), idleMs);
    idleTimer.unref?.();
  };

  const detach = () => {
    stopIdle();
    if (!body) return;
    body.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error').removeAllListeners('aborted');
    body.on('error', () => {});
    body.destroy();
    body = undefined;
  };

  const attach = (part: ReadPart) => {
    body = part.body;
    const expectedEnd = received + part.length;
    part.body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > total || received > expectedEnd) {
        fail(
          new StorageError(
            'STORAGE_READ_OVERRUN',
            `Read ${received} bytes of ${options.label}, more than the ${total} bytes the server announced`,
            { hint: 'the object or the server is inconsistent; read it again and check the S3 server' },
          ),
        );
        return;
      }
      if (output.push(chunk)) armIdle();
      else {
        stopIdle();
        part.body.pause();
      }
    });
    part.body.once('end', () => {
      if (received === total) {
        detach();
        output.push(null);
      } else void resume(`the response ended after ${received} of ${total} bytes`);
    });
    part.body.once('error', (error: Error) => void resume(describe(error)));
    armIdle();
  };

  const fail = (error: Error) => {
    detach();
    output.destroy(error);
  };

  const resume = async (reason: string): Promise<void> => {
    if (resuming || output.destroyed) return;
    resuming = true;
    detach();
    try {
      while (true) {
        if (attempts >= maxAttempts) {
          fail(
            new StorageError(
              'STORAGE_READ_INCOMPLETE',
              `Read ${received} of ${total} bytes of ${options.label} after ${attempts} attempts: ${reason}`,
              {
                hint: 'the connection to the store was cut, reset or stalled every time; check the network path (proxies, load balancers, idle timeouts) and the storage server, then run the drill again',
              },
            ),
          );
          return;
        }
        attempts += 1;
        options.onResume?.({ key: options.key, bytesRead: received, totalBytes: total, attempt: attempts, reason });
        const wait = Math.min((options.retryDelayMs ?? 200) * 2 ** (attempts - 2), 5000);
        await delay(wait, undefined, { signal: internal.signal });
        try {
          const part = await options.fetchFrom(received, internal.signal);
          if (options.first.etag !== undefined && part.etag !== undefined && part.etag !== options.first.etag) {
            part.body.destroy();
            fail(replaced(options.label, options.first.etag, part.etag));
            return;
          }
          if (part.length !== total - received) {
            part.body.destroy();
            fail(
              new StorageError(
                'STORAGE_OBJECT_CHANGED',
                `Resuming ${options.label} at byte ${received} returned ${part.length} bytes, expected ${total - received}`,
                {
                  hint: 'the object changed while it was read, or the server ignores Range requests; run the drill again',
                },
              ),
            );
            return;
          }
          resuming = false;
          attach(part);
          return;
        } catch (error) {
          if (output.destroyed || internal.signal.aborted) return;
          if (error instanceof StorageError && error.code === 'STORAGE_OBJECT_CHANGED') {
            fail(error);
            return;
          }
          reason = describe(error);
        }
      }
    } catch (error) {
      // Only the backoff's abort lands here: the stream is being destroyed.
      if (!output.destroyed) fail(error as Error);
    }
  };

  const output: Readable = new Readable({
    read() {
      if (!body || resuming) return;
      body.resume();
      armIdle();
    },
    destroy(error, callback) {
      internal.abort();
      detach();
      options.signal?.removeEventListener('abort', onAbort);
      callback(error);
    },
  });

  const onAbort = () => output.destroy(abortError(options.signal?.reason));
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  attach(options.first);
  // Start paused: the consumer's first read() starts the flow (and the idle watch).
  options.first.body.pause();
  stopIdle();
  return output;
}

/** The error for a resumed read that found another version of the object. */
export function replaced(label: string, was: string | undefined, now: string | undefined): StorageError {
  return new StorageError(
    'STORAGE_OBJECT_CHANGED',
    `${label} was replaced while it was read (ETag ${was ?? '?'} became ${now ?? 'different'}); its parts are never stitched together`,
    {
      hint: 'something wrote a new version of the backup during the drill; run the drill again once uploads have finished',
    },
  );
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string };
  const message = e?.message || String(error);
  return e?.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

function abortError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const error = new Error('The read was aborted');
  error.name = 'AbortError';
  return error;
}
