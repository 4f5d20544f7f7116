import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDrizzleHash, drizzleTool } from '../../../../src/checks/migrations/drizzle.js';

const journal = (entries: { when: number; tag: string }[]) =>
  JSON.stringify({ version: '7', dialect: 'postgresql', entries });

describe('Drizzle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-drizzle-'));
    await mkdir(join(dir, 'meta'));
    // A BOM, CRLF, non-ASCII text and a statement breakpoint: whatever drizzle-orm hashes, we must hash the same.
    await writeFile(
      join(dir, '0000_first.sql'),
      '\uFEFFCREATE TABLE "a" ("id" int);\r\n--> statement-breakpoint\r\nCOMMENT ON TABLE "a" IS \'café\';\n',
    );
    await writeFile(join(dir, '0001_second.sql'), Buffer.from([0x73, 0x65, 0x6c, 0xff, 0x3b])); // invalid UTF-8 on purpose
    await writeFile(
      join(dir, 'meta', '_journal.json'),
      journal([
        { when: 1700000000000, tag: '0000_first' },
        { when: 1700000000500, tag: '0001_second' },
      ]),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('hashes each journal entry exactly as drizzle-orm readMigrationFiles does', async () => {
    const reference = readMigrationFiles({ migrationsFolder: dir });
    const repo = await drizzleTool.readRepository(dir);
    expect(repo.migrations.map((m) => ({ key: m.key, checksum: m.checksums[0] }))).toEqual(
      reference.map((m) => ({ key: String(m.folderMillis), checksum: m.hash })),
    );
    expect(repo.migrations.map((m) => m.name)).toEqual(['0000_first.sql', '0001_second.sql']);
  });

  it('is the SHA-256 of the text (empty file: the SHA-256 of nothing)', () => {
    expect(computeDrizzleHash(Buffer.alloc(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('marks a journal entry whose file is absent', async () => {
    const other = await mkdtemp(join(tmpdir(), 'pgdrill-drizzle-'));
    await mkdir(join(other, 'meta'));
    await writeFile(join(other, 'meta', '_journal.json'), journal([{ when: 1, tag: '0000_gone' }]));
    expect((await drizzleTool.readRepository(other)).migrations).toEqual([
      { key: '1', name: '0000_gone.sql', checksums: [], fileMissing: true },
    ]);
    await rm(other, { recursive: true });
  });

  it('refuses a directory without a journal, or with a journal it cannot read', async () => {
    const other = await mkdtemp(join(tmpdir(), 'pgdrill-drizzle-'));
    await expect(drizzleTool.readRepository(other)).rejects.toMatchObject({ code: 'MIGRATIONS_JOURNAL_NOT_FOUND' });
    await mkdir(join(other, 'meta'));
    await writeFile(join(other, 'meta', '_journal.json'), '{"entries": [{"tag": 3}]}');
    await expect(drizzleTool.readRepository(other)).rejects.toMatchObject({ code: 'MIGRATIONS_JOURNAL_INVALID' });
    await writeFile(join(other, 'meta', '_journal.json'), '{"entries": [');
    await expect(drizzleTool.readRepository(other)).rejects.toMatchObject({ code: 'MIGRATIONS_JOURNAL_INVALID' });
    await rm(other, { recursive: true });
  });
});
