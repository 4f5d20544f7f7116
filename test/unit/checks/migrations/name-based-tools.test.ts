import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareMigrationFileNames } from 'node-pg-migrate/utils/comparators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNEX_EXTENSIONS, knexTool } from '../../../../src/checks/migrations/knex.js';
import { compareNodePgMigrateNames, nodePgMigrateTool } from '../../../../src/checks/migrations/node-pg-migrate.js';

const require = createRequire(import.meta.url);

describe('Knex', () => {
  it('loads the extensions Knex loads by default (its own DEFAULT_LOAD_EXTENSIONS)', () => {
    const { DEFAULT_LOAD_EXTENSIONS } = require('knex/lib/migrations/common/MigrationsLoader.js') as {
      DEFAULT_LOAD_EXTENSIONS: string[];
    };
    expect(KNEX_EXTENSIONS).toEqual([...DEFAULT_LOAD_EXTENSIONS]);
  });

  it('lists files with those extensions, by name, keyed by the full file name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-knex-'));
    for (const file of ['2_b.js', '10_c.ts', '1_a.cjs', 'notes.md', 'x.mjs']) await writeFile(join(dir, file), '');
    const repo = await knexTool.readRepository(dir);
    expect(repo.migrations.map((m) => m.key)).toEqual(['10_c.ts', '1_a.cjs', '2_b.js']);
    await rm(dir, { recursive: true });
  });
});

describe('node-pg-migrate', () => {
  // node-pg-migrate's own comparator (utils/comparators compareMigrationFileNames) is the reference.
  const names = [
    '1704067200000_b.sql',
    '1704067200000_a.js',
    '20240101120000000_utc.sql',
    '20240101120000001_utc.sql',
    '0002_index.js',
    '0010_index.js',
    '001_x-y.sql',
    '001_xy.sql',
    '9_nine.ts',
    '1704153600000_c.sql',
  ];
  it('orders names exactly as node-pg-migrate does', () => {
    const quiet = { error: () => undefined } as unknown as Console;
    const reference = [...names].sort((a, b) => compareMigrationFileNames(a, b, quiet));
    expect([...names].sort(compareNodePgMigrateNames)).toEqual(reference);
  });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-npm-'));
    for (const file of ['2_second.sql', '10_third.js', '1_first.sql', '.gitkeep', 'notes'])
      await writeFile(join(dir, file), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keys each file by its name without extension, skips dotfiles, notes names it would refuse', async () => {
    const repo = await nodePgMigrateTool.readRepository(dir);
    expect(repo.migrations.map((m) => [m.key, m.name])).toEqual([
      ['1_first', '1_first.sql'],
      ['2_second', '2_second.sql'],
      ['10_third', '10_third.js'],
      ['notes', 'notes'],
    ]);
    expect(repo.notes).toEqual(['no numeric prefix (node-pg-migrate refuses these): notes']);
  });
});
