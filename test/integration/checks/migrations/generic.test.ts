import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Queryable } from '../../../../src/checks/check.js';
import { checkMigrations, copyFixture, editFile } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';

const files = ['0001_create_customers.up.sql', '0002_add_email.up.sql', '0003_create_orders.up.sql'] as const;
const options = {
  generic: { table: 'ops.migration_log', versionColumn: 'version', checksumColumn: 'sha256', successColumn: 'ok' },
};

/** An in-house deploy script's history: a bigint version, the SHA-256 of the file, and whether it succeeded. */
async function deployInHouse(db: Queryable, dir: string, failing?: string): Promise<void> {
  await db.query('create schema if not exists ops');
  await db.query(
    'create table if not exists ops.migration_log (version bigint primary key, sha256 text, ok boolean not null, applied_at timestamptz default now())',
  );
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.up.sql')).sort()) {
    const bytes = await readFile(join(dir, file));
    const ok = file !== failing;
    if (ok) await db.query(bytes.toString('utf8'));
    await db.query('insert into ops.migration_log (version, sha256, ok) values ($1, $2, $3)', [
      Number.parseInt(file, 10),
      createHash('sha256').update(bytes).digest('hex'),
      ok,
    ]);
  }
}

describeMigrationScenarios(
  {
    tool: 'generic',
    options,
    names: [...files],
    recordedNames: ['1', '2', '3'],
    recordsChecksums: true,
    apply: (_pg, database, repo) => deployInHouse(database.db, repo.dir),
    async remove(repo, index) {
      await rm(join(repo.dir, files[index]!));
      await rm(join(repo.dir, files[index]!.replace('.up.sql', '.down.sql')));
    },
    edit: (repo, index) => editFile(join(repo.dir, files[index]!), '-- edited after it was applied'),
  },
  (lab) => {
    it('fails naming a migration whose success column is false', async () => {
      const { db } = await lab().createDatabase('generic_failed');
      const repo = await copyFixture('generic');
      await deployInHouse(db, repo.dir, files[2]);
      const result = await checkMigrations(db, repo, { tool: 'generic', ...options });
      expect(result).toMatchObject({
        status: 'failed',
        message: `generic history differs from migrations: failed: ${files[2]}`,
      });
    });
  },
);
