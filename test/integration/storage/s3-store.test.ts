import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { buffer, text } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../src/demo/embedded-s3.js';
import { DrillError, SourceError, StorageError } from '../../../src/errors.js';
import { pendingCleanups } from '../../../src/process/cleanup.js';
import { createStore } from '../../../src/storage/create-store.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { createS3Store } from '../../../src/storage/s3-store.js';

const BUCKET = 'backups';
const savedEnv = { ...process.env };
let s3: EmbeddedS3;
let work: string;
const opened: ObjectStore[] = [];

function open(store: ObjectStore): ObjectStore {
  opened.push(store);
  return store;
}

async function rejection(promise: Promise<unknown>): Promise<DrillError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DrillError);
  return error as DrillError;
}

async function startLegacyS3rver(parent: string): Promise<{ endpoint: string } & AsyncDisposable> {
  const dir = await mkdtemp(path.join(parent, 'legacy-s3rver-'));
  const script = `const S3rver = require(process.argv[1]);
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] }).run().then(({ port }) => console.log(port));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', script, createRequire(import.meta.url).resolve('s3rver'), dir],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const [port] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    endpoint: `http://127.0.0.1:${port.toString().trim()}`,
    async [Symbol.asyncDispose]() {
      const exited = once(child, 'exit');
      child.stdin!.end();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  s3 = await startEmbeddedS3();
  // Credentials reach the store only through the default chain, as in production; never touch IMDS here.
  Object.assign(process.env, s3.env(), { AWS_EC2_METADATA_DISABLED: 'true' });
  work = await mkdtemp(path.join(os.tmpdir(), 'pgdrill-s3-test-'));
  await s3.createBucket(BUCKET);
  await s3.putObject(BUCKET, 'prod/daily/db-2026-11-19.dump', 'nineteen');
  await s3.putObject(BUCKET, 'prod/daily/db-2026-11-20.dump', '0123456789');
  await s3.putObject(BUCKET, 'prod/daily/', ''); // a console-made folder placeholder
  await s3.putObject(BUCKET, 'prod/weekly/w.dump', 'w');
  await s3.putObject(BUCKET, 'prod-other/x.dump', 'x');
  await s3.putObject(BUCKET, 'top.dump', 'top');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('S3 store against an embedded s3rver over HTTPS', () => {
  it('describes itself without secrets', () => {
    const store = open(
      createS3Store({
        bucket: BUCKET,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        caBundle: s3.caPath,
        prefix: 'prod',
      }),
    );
    expect(store.kind).toBe('s3');
    expect(store.description).toBe(`s3://${BUCKET}/prod/ (endpoint ${s3.endpoint})`);
    expect(store.description).not.toContain(s3.secretAccessKey);
    expect(open(createS3Store({ bucket: 'b', region: 'eu-west-1' })).description).toBe('s3://b/ (AWS S3 in eu-west-1)');
  });

  it('lists keys relative to the root prefix, sorted, without folder placeholders', async () => {
    const store = open(createStore(s3.storeConfig(BUCKET, 'prod/')));
    const all = await store.list('');
    expect(all.map((o) => o.key)).toEqual(['daily/db-2026-11-19.dump', 'daily/db-2026-11-20.dump', 'weekly/w.dump']);
    expect(all[1]).toMatchObject({ key: 'daily/db-2026-11-20.dump', size: 10 });
    expect(all[1]!.lastModified).toBeInstanceOf(Date);
    expect(all[1]!.etag).toMatch(/^[0-9a-f]{32}$/);
    expect((await store.list('daily/db-2026-11-2')).map((o) => o.key)).toEqual(['daily/db-2026-11-20.dump']);
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('lists the whole bucket without a root prefix', async () => {
    const store = open(createStore(s3.storeConfig(BUCKET)));
    expect((await store.list('prod')).map((o) => o.key)).toEqual([
      'prod-other/x.dump',
      'prod/daily/db-2026-11-19.dump',
      'prod/daily/db-2026-11-20.dump',
      'prod/weekly/w.dump',
    ]);
  });

  // s3rver makes continuation tokens with DES, which OpenSSL 3 refuses: in-process, every truncated
  // ListObjectsV2 page is an HTTP 500. A second s3rver in a child with the legacy provider paginates.
  it('follows continuation tokens past 1000 keys', async () => {
    await using paging = await startLegacyS3rver(work);
    const writer = new S3Client({
      region: 'us-east-1',
      endpoint: paging.endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    try {
      await writer.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const keys = Array.from({ length: 1005 }, (_, i) => `many/k-${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys.slice(i, i + 50).map((Key) => writer.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }))),
        );
      }
      await writer.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'manyother', Body: 'x' }));
    } finally {
      writer.destroy();
    }
    const listed = await open(
      createS3Store({ bucket: BUCKET, endpoint: paging.endpoint, forcePathStyle: true, prefix: 'many' }),
    ).list('');
    expect(listed).toHaveLength(1005);
    expect(listed[0]!.key).toBe('k-0000');
    expect(listed.at(-1)!.key).toBe('k-1004');
  });

  it('heads objects, and answers undefined for a missing key', async () => {
    const store = open(createStore(s3.storeConfig(BUCKET, 'prod/')));
    expect(await store.head('daily/db-2026-11-20.dump')).toMatchObject({ key: 'daily/db-2026-11-20.dump', size: 10 });
    expect(await store.head('daily/missing.dump')).toBeUndefined();
  });

  it('reads whole objects and inclusive ranges as Node streams', async () => {
    const store = open(createStore(s3.storeConfig(BUCKET, 'prod/')));
    expect(await text(await store.read('daily/db-2026-11-20.dump'))).toBe('0123456789');
    expect(await text(await store.read('daily/db-2026-11-20.dump', { range: { start: 2, end: 5 } }))).toBe('2345');
  });

  it('stores a 3,000,000-byte file byte-identical with putFile', async () => {
    const data = randomBytes(3_000_000);
    const file = path.join(work, 'big.bin');
    await writeFile(file, data);
    await s3.putFile(BUCKET, 'big/big.bin', file);
    const store = open(createStore(s3.storeConfig(BUCKET)));
    expect((await store.head('big/big.bin'))?.size).toBe(3_000_000);
    const back = await buffer(await store.read('big/big.bin'));
    expect(back.length).toBe(3_000_000);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const tail = await buffer(await store.read('big/big.bin', { range: { start: 2_999_990, end: 2_999_999 } }));
    expect(tail.equals(data.subarray(2_999_990))).toBe(true);
  });

  it('reports a missing key on read as BACKUP_NOT_FOUND, also after the object was deleted', async () => {
    const store = open(createStore(s3.storeConfig(BUCKET, 'prod/')));
    const missing = await rejection(store.read('daily/missing.dump'));
    expect(missing).toBeInstanceOf(SourceError);
    expect(missing.code).toBe('BACKUP_NOT_FOUND');
    expect(missing.message).toContain(`s3://${BUCKET}/prod/daily/missing.dump`);
    expect(missing.message).toContain(s3.endpoint);
    await s3.putObject(BUCKET, 'prod/doomed.dump', 'soon gone');
    await s3.deleteObject(BUCKET, 'prod/doomed.dump');
    expect((await rejection(store.read('doomed.dump'))).code).toBe('BACKUP_NOT_FOUND');
  });

  it('reports a bucket that does not exist as BUCKET_NOT_FOUND, for list, head and read', async () => {
    const store = open(createStore(s3.storeConfig('no-such-bucket')));
    for (const attempt of [() => store.list(''), () => store.head('a.dump'), () => store.read('a.dump')]) {
      const error = await rejection(attempt());
      expect(error).toBeInstanceOf(StorageError);
      expect(error.code).toBe('BUCKET_NOT_FOUND');
      expect(error.message).toContain('no-such-bucket');
      expect(error.message).toContain(s3.endpoint);
      expect(error.hint).toMatch(/bucket name/);
    }
  });

  it('reports an unknown access key as STORAGE_ACCESS_DENIED without printing the secret', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
    process.env.AWS_SECRET_ACCESS_KEY = 'very-secret-value';
    try {
      const error = await rejection(open(createStore(s3.storeConfig(BUCKET))).list(''));
      expect(error.code).toBe('STORAGE_ACCESS_DENIED');
      expect(error.message).toContain('InvalidAccessKeyId');
      expect(`${error.message} ${error.hint}`).not.toContain('very-secret-value');
    } finally {
      Object.assign(process.env, s3.env());
    }
  });

  it('reports missing credentials as STORAGE_ACCESS_DENIED', async () => {
    const saved = { ...process.env };
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ])
      delete process.env[name];
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'none'),
      AWS_CONFIG_FILE: path.join(work, 'none'),
    });
    try {
      const error = await rejection(open(createStore(s3.storeConfig(BUCKET))).list(''));
      expect(error.code).toBe('STORAGE_ACCESS_DENIED');
      expect(error.hint).toMatch(/AWS_ACCESS_KEY_ID/);
    } finally {
      process.env = saved;
    }
  });

  it('reports an unreachable endpoint as STORAGE_UNREACHABLE within seconds', async () => {
    const endpoint = `https://127.0.0.1:${await closedPort()}`;
    const store = open(createS3Store({ bucket: BUCKET, endpoint, forcePathStyle: true, caBundle: s3.caPath }));
    const started = Date.now();
    const error = await rejection(store.list('daily/'));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('STORAGE_UNREACHABLE');
    expect(error.message).toContain(endpoint);
    expect(error.message).toContain(BUCKET);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.hint).toMatch(/endpoint/);
  });

  it('gives up on a server that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const mute: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `https://127.0.0.1:${(mute.address() as { port: number }).port}`;
      const store = open(
        createS3Store({
          bucket: BUCKET,
          endpoint,
          forcePathStyle: true,
          caBundle: s3.caPath,
          responseTimeoutMs: 500,
          maxAttempts: 2,
        }),
      );
      const started = Date.now();
      const error = await rejection(store.head('x'));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(error.code).toBe('STORAGE_UNREACHABLE');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('reports an untrusted certificate as STORAGE_UNREACHABLE and points at caBundle', async () => {
    const saved = process.env.AWS_CA_BUNDLE;
    delete process.env.AWS_CA_BUNDLE;
    try {
      const store = open(createS3Store({ bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true }));
      const error = await rejection(store.list(''));
      expect(error.code).toBe('STORAGE_UNREACHABLE');
      expect(error.message).toMatch(/TLS verification failed.*self-signed/);
      expect(error.hint).toMatch(/caBundle/);
    } finally {
      process.env.AWS_CA_BUNDLE = saved;
    }
  });

  it('trusts AWS_CA_BUNDLE when no caBundle is given', async () => {
    const store = open(
      createS3Store({ bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'prod/weekly/' }),
    );
    expect((await store.list('')).map((o) => o.key)).toEqual(['w.dump']);
  });

  it('resolves a relative caBundle against baseDir', async () => {
    const config = { s3: { ...s3.storeConfig(BUCKET, 'prod/weekly').s3, caBundle: path.basename(s3.caPath) } };
    const store = open(createStore(config, { baseDir: path.dirname(s3.caPath) }));
    expect((await store.list('')).map((o) => o.key)).toEqual(['w.dump']);
  });

  it('rejects an unreadable caBundle when the store is created', () => {
    expect(() =>
      createS3Store({ bucket: BUCKET, endpoint: s3.endpoint, caBundle: path.join(work, 'missing.pem') }),
    ).toThrow(/Could not read the CA bundle/);
  });
});

describe('embedded S3', () => {
  it('gives child tools an environment that reaches it', () => {
    expect(s3.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.env()).toEqual({
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_CA_BUNDLE: s3.caPath,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    });
    expect(s3.storeConfig('b', 'p/')).toEqual({
      s3: {
        bucket: 'b',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        caBundle: s3.caPath,
        prefix: 'p/',
      },
    });
  });

  it('removes its temp dir and its cleanup registration when stopped', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'pgdrill-s3-parent-'));
    try {
      const other = await startEmbeddedS3({ dir: parent });
      const dir = path.dirname(other.caPath);
      expect(path.dirname(dir)).toBe(parent);
      expect(existsSync(dir)).toBe(true);
      expect(pendingCleanups().some((label) => label.includes(other.endpoint))).toBe(true);
      await other.createBucket('bucket-a');
      await other.putObject('bucket-a', 'k', 'v');
      await other.stop();
      await other.stop();
      expect(existsSync(dir)).toBe(false);
      expect(pendingCleanups().some((label) => label.includes(other.endpoint) || label.includes(dir))).toBe(false);
      const afterStop = await rejection(
        open(createStore({ s3: { ...other.storeConfig('bucket-a').s3, caBundle: s3.caPath } })).list(''),
      );
      expect(afterStop.code).toBe('STORAGE_UNREACHABLE');
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('fails clearly without openssl and leaves no temp dir behind', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'pgdrill-s3-parent-'));
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(parent, 'no-bin');
    try {
      const error = await rejection(startEmbeddedS3({ dir: parent }));
      expect(error.code).toBe('EMBEDDED_S3_CERT_FAILED');
      expect(error.hint).toMatch(/openssl/);
      expect(await readdir(parent)).toEqual([]);
    } finally {
      process.env.PATH = savedPath;
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('is disposable with await using', async () => {
    let dir: string;
    {
      await using other = await startEmbeddedS3();
      dir = path.dirname(other.caPath);
      expect(existsSync(dir)).toBe(true);
    }
    expect(existsSync(dir)).toBe(false);
  });
});
