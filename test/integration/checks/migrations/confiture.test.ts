import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { migrateLikeConfiture } from './confiture-writer.js';
import { checkMigrations, copyFixture, editFile, type RepoCopy } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';

const files = ['001_create_customers.up.sql', '002_add_email.up.sql', '003_create_orders.up.sql'] as const;
const present = async (repo: RepoCopy) =>
  (
    await Promise.all(
      files.map((file) =>
        readFile(join(repo.dir, file)).then(
          () => file,
          () => undefined,
        ),
      ),
    )
  ).filter((file) => file !== undefined);

// confiture (Python) cannot be installed here: the rows are written as confiture writes them (confiture-writer.ts).
describeMigrationScenarios(
  {
    tool: 'confiture',
    names: [...files],
    recordedNames: ['001_create_customers', '002_add_email', '003_create_orders'],
    recordsChecksums: true,
    apply: async (_pg, database, repo) => migrateLikeConfiture(database.db, repo.dir, await present(repo)),
    async remove(repo, index) {
      await rm(join(repo.dir, files[index]!));
      await rm(join(repo.dir, files[index]!.replace('.up.sql', '.down.sql')));
    },
    edit: (repo, index) => editFile(join(repo.dir, files[index]!), '-- edited after it was applied'),
  },
  (lab) => {
    it('finds the early releases’ confiture_migrations table, and skips rows baselined without a checksum', async () => {
      const { db } = await lab().createDatabase('confiture_legacy');
      const repo = await copyFixture('confiture');
      await migrateLikeConfiture(db, repo.dir, [...files], { legacy: true });
      await db.query("update confiture_migrations set checksum = null where version = '001'");
      await editFile(join(repo.dir, files[0]), '-- edited, but its row has no checksum to compare');
      const result = await checkMigrations(db, repo, { tool: 'confiture' });
      expect(result).toMatchObject({
        status: 'passed',
        message: '3 confiture migrations applied, all match migrations',
      });
    });
  },
);
