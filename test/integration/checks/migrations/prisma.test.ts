import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkMigrations, copyFixture, editFile, type RepoCopy } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';
import { deployLikePrisma, resolveRolledBack } from './prisma-writer.js';

const names = ['20240101000000_create_customers', '20240102000000_add_email', '20240103000000_create_orders'] as const;
const present = async (repo: RepoCopy) =>
  (
    await Promise.all(
      names.map((name) =>
        readFile(join(repo.dir, name, 'migration.sql')).then(
          () => name,
          () => undefined,
        ),
      ),
    )
  ).filter((name) => name !== undefined);

// Prisma's CLI needs an engine download: the history rows are written as Prisma writes them (see prisma-writer.ts).
describeMigrationScenarios(
  {
    tool: 'prisma',
    names: [...names],
    recordsChecksums: true,
    apply: async (_pg, database, repo) => deployLikePrisma(database.db, repo.dir, await present(repo)),
    remove: (repo, index) => rm(join(repo.dir, names[index]!), { recursive: true }),
    edit: (repo, index) => editFile(join(repo.dir, names[index]!, 'migration.sql'), '-- edited after it was applied'),
  },
  (lab) => {
    it('fails naming a failed migration with its error; after resolve --rolled-back and a new deploy it passes', async () => {
      const { db } = await lab().createDatabase('prisma_failed');
      const repo = await copyFixture('prisma');
      const broken = join(repo.dir, names[1], 'migration.sql');
      const original = await readFile(broken, 'utf8');
      await writeFile(broken, 'ALTER TABLE "nope" ADD COLUMN "email" TEXT;\n');
      await deployLikePrisma(db, repo.dir, [...names]);
      const failed = await checkMigrations(db, repo, { tool: 'prisma' });
      expect(failed).toMatchObject({
        status: 'failed',
        message: `prisma history differs from migrations: failed: ${names[1]}`,
      });
      expect(failed.details).toContain(
        `failed: ${names[1]} (recorded as failed: error: relation "nope" does not exist)`,
      );
      await writeFile(broken, original);
      await resolveRolledBack(db, names[1]);
      await deployLikePrisma(db, repo.dir, [names[1], names[2]]);
      const fixed = await checkMigrations(db, repo, { tool: 'prisma' });
      expect(fixed).toMatchObject({ status: 'passed', message: '3 prisma migrations applied, all match migrations' });
      expect(fixed.details).toContain(`note: rolled back (ignored, as Prisma does): ${names[1]}`);
    });

    it('accepts a migration.sql whose line endings git changed, as Prisma does', async () => {
      const { db } = await lab().createDatabase('prisma_crlf');
      const repo = await copyFixture('prisma');
      await deployLikePrisma(db, repo.dir, [...names]);
      const file = join(repo.dir, names[0], 'migration.sql');
      await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
      expect(await checkMigrations(db, repo, { tool: 'prisma' })).toMatchObject({ status: 'passed' });
    });
  },
);
