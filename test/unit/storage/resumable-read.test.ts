import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { createResumableRead, type ReadPart, type ReadResumeEvent } from '../../../src/storage/resumable-read.js';

const OBJECT = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

/** A response body that delivers `bytes` and then ends (cleanly) or errors. */
function body(bytes: Buffer, end: 'end' | 'error' = 'end'): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(bytes);
      } else if (end === 'end') this.push(null);
      else this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    },
  });
}

function part(from: number, to: number, end: 'end' | 'error' = 'end', etag = 'v1'): ReadPart {
  return { body: body(OBJECT.subarray(from, to), end), length: OBJECT.length - from, etag };
}

async function outcome(stream: Readable): Promise<Buffer | StorageError> {
  return buffer(stream).then(
    (b) => b,
    (e: StorageError) => e,
  );
}

describe('resumable read', () => {
  it('stitches parts of one version after a body that ends short and one that errors', async () => {
    const resumes: ReadResumeEvent[] = [];
    const parts = [part(10, 20, 'error'), part(20, OBJECT.length)];
    const stream = createResumableRead({
      label: 's3://b/k',
      key: 'k',
      first: part(0, 10),
      fetchFrom: async () => parts.shift()!,
      retryDelayMs: 1,
      onResume: (e) => resumes.push(e),
    });
    expect(((await outcome(stream)) as Buffer).equals(OBJECT)).toBe(true);
    expect(resumes.map((e) => [e.bytesRead, e.attempt])).toEqual([
      [10, 2],
      [20, 3],
    ]);
    expect(resumes[0]!.reason).toBe(`the response ended after 10 of ${OBJECT.length} bytes`);
    expect(resumes[1]!.reason).toBe('aborted (ECONNRESET)');
  });

  it('never ends cleanly after a short read: it errors with the bytes read once the attempts run out', async () => {
    const offsets: number[] = [];
    const stream = createResumableRead({
      label: 's3://b/k',
      key: 'k',
      first: part(0, 5),
      fetchFrom: async (offset) => {
        offsets.push(offset);
        return part(offset, offset + 5);
      },
      maxAttempts: 3,
      retryDelayMs: 1,
    });
    const error = (await outcome(stream)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('STORAGE_READ_INCOMPLETE');
    expect(error.message).toBe(
      `Read 15 of ${OBJECT.length} bytes of s3://b/k after 3 attempts: the response ended after 15 of ${OBJECT.length} bytes`,
    );
    expect(offsets).toEqual([5, 10]);
  });

  it('refuses to stitch a part of another version (ETag changed)', async () => {
    const stream = createResumableRead({
      label: 's3://b/k',
      key: 'k',
      first: part(0, 5),
      fetchFrom: async () => part(5, OBJECT.length, 'end', 'v2'),
      retryDelayMs: 1,
    });
    const error = (await outcome(stream)) as StorageError;
    expect(error.code).toBe('STORAGE_OBJECT_CHANGED');
    expect(error.message).toContain('ETag v1 became v2');
  });

  it('fails when a body gives more bytes than announced', async () => {
    const first: ReadPart = { body: body(OBJECT), length: 10, etag: 'v1' };
    const error = (await outcome(
      createResumableRead({ label: 's3://b/k', key: 'k', first, fetchFrom: async () => part(0, 0) }),
    )) as StorageError;
    expect(error.code).toBe('STORAGE_READ_OVERRUN');
  });

  it('keeps retrying a resume request that fails, within the attempts', async () => {
    let calls = 0;
    const stream = createResumableRead({
      label: 's3://b/k',
      key: 'k',
      first: part(0, 5),
      fetchFrom: async (offset) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return part(offset, OBJECT.length);
      },
      retryDelayMs: 1,
    });
    expect(((await outcome(stream)) as Buffer).equals(OBJECT)).toBe(true);
    expect(calls).toBe(2);
  });

  it('ends with the abort reason when the caller aborts', async () => {
    const controller = new AbortController();
    const stream = createResumableRead({
      label: 's3://b/k',
      key: 'k',
      first: { body: new PassThrough(), length: 10 },
      fetchFrom: async () => part(0, 0),
      signal: controller.signal,
    });
    const result = outcome(stream);
    controller.abort(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    const error = (await result) as unknown as Error;
    expect(error.name).toBe('AbortError');
  });
});
