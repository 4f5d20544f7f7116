import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, SourceError, StorageError } from '../../../src/errors.js';
import { createStore } from '../../../src/storage/create-store.js';
import { createFilesystemStore } from '../../../src/storage/filesystem-store.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pgdrill-fs-store-'));
  await mkdir(path.join(root, 'daily/2026-11'), { recursive: true });
  await mkdir(path.join(root, 'weekly'), { recursive: true });
  await mkdir(path.join(root, 'empty'), { recursive: true });
  await writeFile(path.join(root, 'daily/2026-11/db-2026-11-20.dump'), '0123456789');
  await writeFile(path.join(root, 'daily/2026-11/db-2026-11-19.dump'), 'abc');
  await writeFile(path.join(root, 'daily/top.dump'), 'top');
  await writeFile(path.join(root, 'weekly/w.dump'), 'w');
  await writeFile(path.join(root, 'dailyish.txt'), 'x');
  await utimes(path.join(root, 'daily/top.dump'), new Date('2026-11-20T10:00:00Z'), new Date('2026-11-20T10:00:00Z'));
  await symlink(path.join(root, 'weekly/w.dump'), path.join(root, 'daily/link.dump'));
  await symlink(path.join(root, 'daily'), path.join(root, 'weekly/latest')); // a directory link: not followed
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('filesystem store', () => {
  it('lists recursively with / keys relative to the root, sorted', async () => {
    const store = createFilesystemStore({ root });
    const all = await store.list('');
    expect(all.map((o) => o.key)).toEqual([
      'daily/2026-11/db-2026-11-19.dump',
      'daily/2026-11/db-2026-11-20.dump',
      'daily/link.dump',
      'daily/top.dump',
      'dailyish.txt',
      'weekly/w.dump',
    ]);
    const top = all.find((o) => o.key === 'daily/top.dump')!;
    expect(top).toEqual({ key: 'daily/top.dump', size: 3, lastModified: new Date('2026-11-20T10:00:00Z') });
  });

  it('lists under a prefix, whether or not it ends at a directory', async () => {
    const store = createFilesystemStore({ root });
    expect((await store.list('daily/')).map((o) => o.key)).toEqual([
      'daily/2026-11/db-2026-11-19.dump',
      'daily/2026-11/db-2026-11-20.dump',
      'daily/link.dump',
      'daily/top.dump',
    ]);
    expect((await store.list('daily')).map((o) => o.key)).toContain('dailyish.txt');
    expect((await store.list('daily/2026-11/db-2026-11-2')).map((o) => o.key)).toEqual([
      'daily/2026-11/db-2026-11-20.dump',
    ]);
    expect(await store.list('nowhere/')).toEqual([]);
    expect(await store.list('empty/')).toEqual([]);
  });

  it('heads files and answers undefined for missing keys and directories', async () => {
    const store = createFilesystemStore({ root });
    expect((await store.head('daily/2026-11/db-2026-11-20.dump'))?.size).toBe(10);
    expect(await store.head('daily/missing.dump')).toBeUndefined();
    expect(await store.head('daily')).toBeUndefined();
  });

  it('reads whole files and inclusive ranges', async () => {
    const store = createFilesystemStore({ root });
    expect(await text(await store.read('daily/2026-11/db-2026-11-20.dump'))).toBe('0123456789');
    expect(await text(await store.read('daily/2026-11/db-2026-11-20.dump', { range: { start: 2, end: 5 } }))).toBe(
      '2345',
    );
    expect(await text(await store.read('daily/link.dump'))).toBe('w');
  });

  it('reports a missing file on read as BACKUP_NOT_FOUND', async () => {
    const store = createFilesystemStore({ root });
    await expect(store.read('daily/missing.dump')).rejects.toSatisfy(
      (e) => e instanceof SourceError && e.code === 'BACKUP_NOT_FOUND' && e.message.includes('daily/missing.dump'),
    );
    await expect(store.read('daily')).rejects.toSatisfy(
      (e) => e instanceof SourceError && e.code === 'BACKUP_NOT_FOUND',
    );
  });

  it('refuses keys that escape the root', async () => {
    const store = createFilesystemStore({ root: path.join(root, 'daily') });
    for (const key of ['../weekly/w.dump', 'a/../../weekly/w.dump', '/etc/passwd']) {
      await expect(store.read(key)).rejects.toSatisfy((e) => e instanceof ConfigError && e.code === 'KEY_OUTSIDE_ROOT');
      await expect(store.head(key)).rejects.toBeInstanceOf(ConfigError);
    }
    await expect(store.list('../')).rejects.toBeInstanceOf(ConfigError);
  });

  it('names a missing root as STORAGE_UNREACHABLE', async () => {
    const missing = path.join(root, 'no-such-dir');
    const store = createFilesystemStore({ root: missing });
    await expect(store.list('')).rejects.toSatisfy(
      (e) => e instanceof StorageError && e.code === 'STORAGE_UNREACHABLE' && e.message.includes(missing),
    );
    await expect(store.head('x')).rejects.toSatisfy(
      (e) => e instanceof StorageError && e.code === 'STORAGE_UNREACHABLE',
    );
    await expect(createFilesystemStore({ root: path.join(root, 'dailyish.txt') }).list('')).rejects.toThrow(
      /is not a directory/,
    );
  });

  it('is created from a suite entry with the root relative to baseDir', async () => {
    const store = createStore({ filesystem: { root: 'weekly' } }, { baseDir: root });
    expect(store.kind).toBe('filesystem');
    expect(store.description).toBe(path.join(root, 'weekly'));
    expect((await store.list('')).map((o) => o.key)).toEqual(['w.dump']);
  });
});
