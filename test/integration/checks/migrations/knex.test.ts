import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { knex } from 'knex';
import { editFile } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';

const files = [
  '20240101000000_create_customers.cjs',
  '20240102000000_add_email.cjs',
  '20240103000000_create_orders.cjs',
] as const;

// The history is written by Knex itself (knex.migrate.latest, from npm), against the scratch server.
describeMigrationScenarios({
  tool: 'knex',
  names: [...files],
  recordsChecksums: false,
  async apply(pg, database, repo) {
    const client = knex({
      client: 'pg',
      connection: { host: '127.0.0.1', port: pg.port, user: 'postgres', database: database.name },
    });
    try {
      await client.migrate.latest({ directory: repo.dir });
    } finally {
      await client.destroy();
    }
  },
  remove: (repo, index) => rm(join(repo.dir, files[index]!)),
  edit: (repo, index) => editFile(join(repo.dir, files[index]!), '// edited after it was applied'),
});
