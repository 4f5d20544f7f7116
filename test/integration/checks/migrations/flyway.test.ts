import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { migrateLikeFlyway } from './flyway-writer.js';
import { checkMigrations, copyFixture, editFile } from './migration-lab.js';
import { describeMigrationScenarios } from './migration-scenarios.js';

const scripts = ['V1__Create_customers.sql', 'V1_1__Add_email.sql', 'sub/V2__Create_orders.sql'] as const;
const VIEW = `create or replace view customer_totals as
select c.id, c.name, coalesce(sum(o.total), 0) as total
from customers c left join orders o on o.customer_id = c.id
group by c.id, c.name;
`;

// Flyway (Java) cannot run here: the history rows are written as Flyway writes them (see flyway-writer.ts).
describeMigrationScenarios(
  {
    tool: 'flyway',
    names: [...scripts],
    recordsChecksums: true,
    async apply(_pg, database, repo) {
      const present = await Promise.all(
        scripts.map((script) =>
          readFile(join(repo.dir, script)).then(
            () => script,
            () => undefined,
          ),
        ),
      );
      await migrateLikeFlyway(
        database.db,
        repo.dir,
        present.filter((script) => script !== undefined),
      );
    },
    remove: (repo, index) => rm(join(repo.dir, scripts[index]!)),
    edit: (repo, index) => editFile(join(repo.dir, scripts[index]!), '-- edited after it was applied'),
  },
  (lab) => {
    it('fails naming a migration recorded as failed', async () => {
      const { db } = await lab().createDatabase('flyway_failed');
      const repo = await copyFixture('flyway');
      await migrateLikeFlyway(db, repo.dir, [scripts[0], { script: scripts[1], failed: true }]);
      const result = await checkMigrations(db, repo, { tool: 'flyway' });
      expect(result).toMatchObject({
        status: 'failed',
        message: `flyway history differs from migrations: failed: ${scripts[1]}`,
      });
    });

    it('fails naming a migration applied after a newer one (outOfOrder=true)', async () => {
      const { db } = await lab().createDatabase('flyway_out_of_order');
      const repo = await copyFixture('flyway');
      await migrateLikeFlyway(db, repo.dir, [scripts[0], scripts[2], scripts[1]]);
      const result = await checkMigrations(db, repo, { tool: 'flyway' });
      expect(result).toMatchObject({
        status: 'failed',
        message: `flyway history differs from migrations: out of order: ${scripts[1]}`,
      });
      expect(result.details).toContain(`out of order: ${scripts[1]} (applied after the newer ${scripts[2]})`);
    });

    it('ignores line endings, and treats a changed repeatable migration as pending, as Flyway does', async () => {
      const { db } = await lab().createDatabase('flyway_repeatable');
      const repo = await copyFixture('flyway');
      await writeFile(join(repo.dir, 'R__Customer_totals.sql'), VIEW);
      await migrateLikeFlyway(db, repo.dir, [...scripts, 'R__Customer_totals.sql']);
      const crlf = (await readFile(join(repo.dir, scripts[0]), 'utf8')).replaceAll('\n', '\r\n');
      await writeFile(join(repo.dir, scripts[0]), crlf);
      expect(await checkMigrations(db, repo, { tool: 'flyway' })).toMatchObject({
        status: 'passed',
        message: '4 flyway migrations applied, all match migrations',
      });
      await editFile(join(repo.dir, 'R__Customer_totals.sql'), '-- now with a comment');
      const changed = await checkMigrations(db, repo, { tool: 'flyway' });
      expect(changed).toMatchObject({
        status: 'passed',
        message: '3 flyway migrations applied, all match migrations; 1 pending',
      });
      expect(changed.details?.[0]).toMatch(
        /^warning: pending R__Customer_totals.sql \(changed since applied \(checksum -?\d+ in the history, -?\d+ for the file\): runs again/,
      );
    });

    it('does not count migrations at or below a baseline as pending', async () => {
      const { db } = await lab().createDatabase('flyway_baseline');
      const repo = await copyFixture('flyway');
      await migrateLikeFlyway(db, repo.dir, [scripts[0], scripts[1]]);
      // `flyway baseline -baselineVersion=1.1` on a database made without Flyway leaves only this row.
      await db.query('delete from flyway_schema_history');
      await db.query(`insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
        values (1, '1.1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', null, current_user, 0, true)`);
      await migrateLikeFlyway(db, repo.dir, [scripts[2]]);
      const result = await checkMigrations(db, repo, { tool: 'flyway', pending: 'fail' });
      expect(result).toMatchObject({ status: 'passed', message: '1 flyway migration applied, all match migrations' });
      expect(result.details).toContain(`note: ${scripts[0]}: at or below the baseline, not applied by design`);
    });
  },
);
