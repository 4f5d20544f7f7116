import { createHash, randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { StorageError } from '../../../src/errors.js';
import type { ObjectStore, ReadResumeEvent } from '../../../src/storage/object-store.js';
import { createS3Store, type S3StoreOptions } from '../../../src/storage/s3-store.js';
import { FaultProxy } from '../../support/fault-proxy.js';

const BUCKET = 'faults';
const SIZE = 3 * 1024 * 1024;
const savedEnv = { ...process.env };
const body = randomBytes(SIZE);
const digest = createHash('sha256').update(body).digest('hex');
let s3: EmbeddedS3;
let proxy: FaultProxy;
const opened: ObjectStore[] = [];

function storeThroughProxy(options: Partial<S3StoreOptions> = {}): ObjectStore {
  const store = createS3Store({
    bucket: BUCKET,
    endpoint: proxy.endpoint,
    forcePathStyle: true,
    caBundle: s3.caPath,
    readRetryDelayMs: 10,
    ...options,
  });
  opened.push(store);
  return store;
}

async function readAll(store: ObjectStore, key = 'big.bin'): Promise<{ bytes: Buffer; resumes: ReadResumeEvent[] }> {
  const resumes: ReadResumeEvent[] = [];
  const bytes = await buffer(await store.read(key, { onResume: (event) => resumes.push(event) }));
  return { bytes, resumes };
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

beforeAll(async () => {
  s3 = await startEmbeddedS3();
  Object.assign(process.env, s3.env(), { AWS_EC2_METADATA_DISABLED: 'true' });
  await s3.createBucket(BUCKET);
  await s3.putObject(BUCKET, 'big.bin', body);
  proxy = await FaultProxy.start({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  proxy.dropAll();
});

afterAll(async () => {
  process.env = savedEnv;
  await proxy?.close();
  await s3?.stop();
});

describe('S3 reads through a faulty connection', () => {
  it('reads the whole object when nothing goes wrong, with no resume', async () => {
    proxy.inject({ mode: 'none', afterBytes: 0 });
    const { bytes, resumes } = await readAll(storeThroughProxy());
    expect(bytes.length).toBe(SIZE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);
    expect(resumes).toEqual([]);
  });

  for (const mode of ['cut', 'reset'] as const) {
    it(`resumes a read whose first connection is ${mode === 'cut' ? 'cut (FIN)' : 'reset (RST)'} after 1 MB, byte-identical`, async () => {
      proxy.inject({ mode, afterBytes: 1024 * 1024, connections: 1 });
      const { bytes, resumes } = await readAll(storeThroughProxy());
      expect(proxy.faults).toHaveLength(1);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);
      expect(resumes).toHaveLength(1);
      expect(resumes[0]).toMatchObject({ key: 'big.bin', totalBytes: SIZE, attempt: 2 });
      expect(resumes[0]!.bytesRead).toBeGreaterThan(0);
      expect(resumes[0]!.bytesRead).toBeLessThan(SIZE);
    });

    it(`fails with STORAGE_READ_INCOMPLETE and the bytes read when every connection is ${mode}`, async () => {
      proxy.inject({ mode, afterBytes: 512 * 1024, connections: 'every' });
      const error = await failure(readAll(storeThroughProxy({ readAttempts: 3 })));
      expect(error.code).toBe('STORAGE_READ_INCOMPLETE');
      expect(error.message).toMatch(
        new RegExp(`^Read \\d+ of ${SIZE} bytes of s3://${BUCKET}/big.bin after 3 attempts: `),
      );
      expect(error.hint).toMatch(/network path/);
      expect(proxy.faults.length).toBeGreaterThanOrEqual(3);
    });
  }

  it('resumes a read that stalls while its reader waits, after the idle limit', async () => {
    proxy.inject({ mode: 'stall', afterBytes: 1024 * 1024, connections: 1 });
    const { bytes, resumes } = await readAll(storeThroughProxy({ readIdleTimeoutMs: 300 }));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(digest);
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.reason).toBe('no bytes for 300 ms');
  });

  it('fails when every connection stalls', async () => {
    proxy.inject({ mode: 'stall', afterBytes: 256 * 1024, connections: 'every' });
    const error = await failure(readAll(storeThroughProxy({ readIdleTimeoutMs: 200, readAttempts: 2 })));
    expect(error.code).toBe('STORAGE_READ_INCOMPLETE');
    expect(error.message).toMatch(
      new RegExp(`of ${SIZE} bytes of s3://${BUCKET}/big.bin after 2 attempts: no bytes for 200 ms$`),
    );
  });

  it('does not count a slow reader (backpressure) as a stall', async () => {
    proxy.inject({ mode: 'none', afterBytes: 0 });
    const store = storeThroughProxy({ readIdleTimeoutMs: 100 });
    const resumes: ReadResumeEvent[] = [];
    const stream = await store.read('big.bin', { onResume: (e) => resumes.push(e) });
    const hash = createHash('sha256');
    let held = false;
    // The reader holds its first chunk until the stream has sat with a full buffer past the idle limit.
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _e, done) {
        hash.update(chunk);
        if (held) return done();
        held = true;
        const started = Date.now();
        const wait = () =>
          stream.readableLength >= stream.readableHighWaterMark && Date.now() - started > 400
            ? done()
            : setImmediate(wait);
        wait();
      },
    });
    await pipeline(stream, slow);
    expect(hash.digest('hex')).toBe(digest);
    expect(resumes).toEqual([]);
  });

  it('never stitches a replaced object: the resumed read of another version fails with STORAGE_OBJECT_CHANGED', async () => {
    await s3.putObject(BUCKET, 'swap.bin', body);
    // The cut comes early enough to fire while the reader has not started; the object is replaced before it reads.
    proxy.inject({ mode: 'cut', afterBytes: 64 * 1024, connections: 1 });
    const stream = await storeThroughProxy().read('swap.bin');
    await proxy.waitForFaults(1);
    await s3.putObject(BUCKET, 'swap.bin', randomBytes(SIZE));
    const error = await failure(buffer(stream));
    expect(error.code).toBe('STORAGE_OBJECT_CHANGED');
    expect(error.message).toMatch(/was replaced while it was read .*never stitched/);
  });

  it('refuses an object whose size is not the size the caller listed', async () => {
    proxy.inject({ mode: 'none', afterBytes: 0 });
    const error = await failure(storeThroughProxy().read('big.bin', { expectedSize: SIZE - 1 }));
    expect(error.code).toBe('STORAGE_OBJECT_CHANGED');
    expect(error.message).toContain(`is ${SIZE} bytes now, but ${SIZE - 1} bytes when it was listed`);
  });

  it('resumes a ranged read inside its range', async () => {
    proxy.inject({ mode: 'cut', afterBytes: 600 * 1024, connections: 1 });
    const stream = await storeThroughProxy().read('big.bin', { range: { start: 1000, end: 2_000_999 } });
    const bytes = await buffer(stream);
    expect(bytes.equals(body.subarray(1000, 2_001_000))).toBe(true);
  });
});
