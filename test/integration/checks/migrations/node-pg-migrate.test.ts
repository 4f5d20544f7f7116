import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { expect, it } from 'vitest';
import { checkMigrations, copyFixture, databaseUrl, editFile, type RepoCopy } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';

const files = [
  '1704067200000_create-customers.sql',
  '1704153600000_add-email.sql',
  '1704240000000_create-orders.sql',
] as const;

/**
 * node-pg-migrate's own runner (from npm) writes the history, as `node-pg-migrate up` does. The runner gets
 * a client of ours: when it refuses to migrate it may leave its own connection open, which the server's
 * shutdown at the end of the file would then end with an error nobody listens to.
 */
async function migrateUp(port: number, database: string, repo: RepoCopy): Promise<void> {
  const dbClient = new pg.Client({ connectionString: databaseUrl(port, database) });
  dbClient.on('error', () => undefined);
  await dbClient.connect();
  try {
    await runner({ dbClient, dir: repo.dir, direction: 'up', migrationsTable: 'pgmigrations', log: () => undefined });
  } finally {
    await dbClient.end().catch(() => undefined);
  }
}

describeMigrationScenarios(
  {
    tool: 'node-pg-migrate',
    names: [...files],
    recordedNames: ['1704067200000_create-customers', '1704153600000_add-email', '1704240000000_create-orders'],
    recordsChecksums: false,
    apply: (pg, database, repo) => migrateUp(pg.port, database.name, repo),
    remove: (repo, index) => rm(join(repo.dir, files[index]!)),
    edit: (repo, index) => editFile(join(repo.dir, files[index]!), '-- edited after it was applied'),
  },
  (lab) => {
    it('fails naming a pending migration that sorts before an applied one, which node-pg-migrate refuses', async () => {
      const pg = lab();
      const { db } = await pg.createDatabase('npm_gap');
      const applied = await copyFixture('node-pg-migrate');
      await rm(join(applied.dir, files[1]));
      await migrateUp(pg.port, 'npm_gap', applied);
      const full = await copyFixture('node-pg-migrate');
      await expect(migrateUp(pg.port, 'npm_gap', full)).rejects.toThrow(
        /Not run migration 1704153600000_add-email is preceding already run migration/,
      );
      const result = await checkMigrations(db, full, { tool: 'node-pg-migrate' });
      expect(result).toMatchObject({
        status: 'failed',
        message: `node-pg-migrate history differs from migrations: out of order: ${files[1]}`,
      });
      expect(result.details).toContain(`out of order: ${files[1]} (not applied, but the newer ${files[2]} is)`);
    });
  },
);
