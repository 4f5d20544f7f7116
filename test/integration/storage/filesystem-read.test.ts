import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { createFilesystemStore } from '../../../src/storage/filesystem-store.js';

const SIZE = 4 * 1024 * 1024;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pgdrill-fs-read-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fileOf(name: string): Promise<string> {
  const file = path.join(root, name);
  await writeFile(file, randomBytes(SIZE));
  return file;
}

/** Take the first chunk, run `change` on the file, then read the rest: the outcome of the whole read. */
async function readAcross(stream: Readable, change: () => Promise<void>): Promise<unknown> {
  await once(stream, 'readable');
  const first = stream.read() as Buffer | null;
  expect(first?.length).toBeGreaterThan(0);
  await change();
  return buffer(stream).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('filesystem store reads account for every byte', () => {
  it('reads a whole file that does not change', async () => {
    await fileOf('whole.bin');
    const bytes = await buffer(await createFilesystemStore({ root }).read('whole.bin', { expectedSize: SIZE }));
    expect(bytes.length).toBe(SIZE);
  });

  it('fails with STORAGE_OBJECT_CHANGED when the file shrinks while it is read, naming the bytes', async () => {
    const file = await fileOf('shrinks.bin');
    const stream = await createFilesystemStore({ root }).read('shrinks.bin');
    const error = (await readAcross(stream, () => truncate(file, SIZE / 2))) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('STORAGE_OBJECT_CHANGED');
    expect(error.message).toMatch(
      new RegExp(
        `^The file ${file} gave \\d+ of ${SIZE} bytes: it changed size while it was read \\(now ${SIZE / 2} bytes\\)$`,
      ),
    );
  });

  it('fails when the file grows while it is read', async () => {
    const file = await fileOf('grows.bin');
    const stream = await createFilesystemStore({ root }).read('grows.bin');
    const error = (await readAcross(stream, () => appendFile(file, 'more'))) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('STORAGE_OBJECT_CHANGED');
    expect(error.message).toContain(`of ${SIZE} bytes`);
  });

  it('fails when the file is not the size the caller listed', async () => {
    await fileOf('listed.bin');
    const error = await createFilesystemStore({ root })
      .read('listed.bin', { expectedSize: SIZE + 1 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain(`is ${SIZE} bytes now, but ${SIZE + 1} bytes when it was listed`);
  });

  it('reads an inclusive range exactly', async () => {
    await writeFile(path.join(root, 'small.txt'), '0123456789');
    expect(
      (
        await buffer(await createFilesystemStore({ root }).read('small.txt', { range: { start: 2, end: 5 } }))
      ).toString(),
    ).toBe('2345');
    expect(
      (
        await buffer(await createFilesystemStore({ root }).read('small.txt', { range: { start: 8, end: 100 } }))
      ).toString(),
    ).toBe('89');
  });
});
