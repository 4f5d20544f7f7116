import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { expect, it } from 'vitest';
import { checkMigrations, copyFixture, editFile, type RepoCopy } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';

const tags = ['0000_create_customers', '0001_add_email', '0002_create_orders'] as const;
const whens = [1704067200000, 1704153600000, 1704240000000] as const;
const fixture = fileURLToPath(new URL('../../../fixtures/migrations/drizzle/', import.meta.url));
/** How the check names a history row whose journal entry is gone: created_at and the start of the hash. */
const recorded = (index: number) => {
  const hash = createHash('sha256')
    .update(readFileSync(join(fixture, `${tags[index]}.sql`)).toString())
    .digest('hex');
  return `created_at ${whens[index]} (hash ${hash.slice(0, 12)}…)`;
};

/** drizzle-orm's own migrator (node-postgres driver, from npm) writes drizzle.__drizzle_migrations. */
async function migrateWithDrizzle(client: pg.Client, repo: RepoCopy): Promise<void> {
  await migrate(drizzle(client), { migrationsFolder: repo.dir });
}

/** Deletes the migration's SQL file and its journal entry, as reverting a generated migration does. */
async function removeMigration(repo: RepoCopy, index: number): Promise<void> {
  const journalPath = join(repo.dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag !== tags[index]);
  await writeFile(journalPath, JSON.stringify(journal, null, 2));
  await rm(join(repo.dir, `${tags[index]}.sql`));
}

describeMigrationScenarios(
  {
    tool: 'drizzle',
    names: tags.map((tag) => `${tag}.sql`) as [string, string, string],
    recordedNames: [recorded(0), recorded(1), recorded(2)],
    recordsChecksums: true,
    apply: (_pg, database, repo) => migrateWithDrizzle(database.client, repo),
    remove: removeMigration,
    edit: (repo, index) => editFile(join(repo.dir, `${tags[index]}.sql`), '-- edited after it was applied'),
  },
  (lab) => {
    it('fails naming an entry older than the last applied one, which Drizzle never applies', async () => {
      const { client, db } = await lab().createDatabase('drizzle_gap');
      const withoutSecond = await copyFixture('drizzle');
      await removeMigration(withoutSecond, 1);
      await migrateWithDrizzle(client, withoutSecond);
      const full = await copyFixture('drizzle');
      await migrateWithDrizzle(client, full); // Drizzle skips 0001: its `when` is older than the newest row
      const columns = await db.query(
        "select 1 from information_schema.columns where table_name = 'customers' and column_name = 'email'",
      );
      expect(columns).toHaveLength(0);
      const result = await checkMigrations(db, full, { tool: 'drizzle' });
      expect(result).toMatchObject({
        status: 'failed',
        message: 'drizzle history differs from migrations: out of order: 0001_add_email.sql',
      });
    });

    it('fails naming an applied journal entry whose SQL file is gone', async () => {
      const { client, db } = await lab().createDatabase('drizzle_file_gone');
      const repo = await copyFixture('drizzle');
      await migrateWithDrizzle(client, repo);
      await rm(join(repo.dir, '0001_add_email.sql'));
      const result = await checkMigrations(db, repo, { tool: 'drizzle' });
      expect(result).toMatchObject({
        status: 'failed',
        message: 'drizzle history differs from migrations: missing file: 0001_add_email.sql',
      });
      expect(result.details).toContain('missing file: 0001_add_email.sql (applied, but its file is absent)');
    });
  },
);
