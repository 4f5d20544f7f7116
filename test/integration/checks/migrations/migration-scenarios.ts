/**
 * The scenarios every tool goes through against a real PostgreSQL: a clean history passes; an edited file, a
 * missing one and an extra applied one each fail naming the migration; pending warns, or fails when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationToolName } from '../../../../src/checks/migrations/select-tool.js';
import {
  scratchPostgresUnavailable,
  startScratchPostgres,
  type ScratchDatabase,
  type ScratchPostgres,
} from '../../../support/scratch-postgres.js';
import { checkMigrations, copyFixture, removeCopies, type RepoCopy } from './migration-lab.js';

export interface ToolScenario {
  tool: MigrationToolName;
  /** Extra options (the generic table description). */
  options?: Record<string, unknown>;
  /** The three fixture migrations as the check names them, in order. */
  names: [string, string, string];
  /** How the check names them once their files are gone: as the history records them. Default: `names`. */
  recordedNames?: [string, string, string];
  /** Applies the repository's migrations to the database, with the real tool or exactly as it does. */
  apply(pg: ScratchPostgres, database: ScratchDatabase & { name: string }, repo: RepoCopy): Promise<void>;
  /** Removes migration `index` from the repository copy (its file, and its journal entry where there is one). */
  remove(repo: RepoCopy, index: number): Promise<void>;
  /** Edits migration `index` (one more line). */
  edit(repo: RepoCopy, index: number): Promise<void>;
  recordsChecksums: boolean;
}

const unavailable = scratchPostgresUnavailable();

/** Runs the common scenarios; `more` adds tool-specific tests with the same server. */
export function describeMigrationScenarios(scenario: ToolScenario, more?: (lab: () => ScratchPostgres) => void): void {
  const title = `migrations ${scenario.tool} against a real PostgreSQL${unavailable ? ` (skipped: ${unavailable})` : ''}`;
  describe.skipIf(unavailable !== undefined)(title, () => {
    let pg: ScratchPostgres;
    let full: ScratchDatabase;
    let partial: ScratchDatabase;
    const input = { tool: scenario.tool, ...scenario.options };
    const [first, , third] = scenario.names;
    const [, recordedSecond, recordedThird] = scenario.recordedNames ?? scenario.names;

    beforeAll(async () => {
      pg = await startScratchPostgres();
      full = await applied(scenario, pg, 'full', 3);
      partial = await applied(scenario, pg, 'partial', 2);
    });
    afterAll(async () => {
      await pg?.stop();
      await removeCopies();
    });

    it('passes when every applied migration matches its file', async () => {
      const result = await checkMigrations(full.db, await copyFixture(scenario.tool), input);
      expect(result).toMatchObject({
        status: 'passed',
        message: `3 ${scenario.tool} migrations applied, all match migrations`,
      });
    });

    it(
      scenario.recordsChecksums
        ? 'fails naming a migration edited after it was applied'
        : 'cannot see an edited file: no checksums, says so',
      async () => {
        const repo = await copyFixture(scenario.tool);
        await scenario.edit(repo, 0);
        const result = await checkMigrations(full.db, repo, input);
        if (scenario.recordsChecksums) {
          expect(result).toMatchObject({
            status: 'failed',
            message: `${scenario.tool} history differs from migrations: modified: ${first}`,
          });
        } else {
          expect(result.status).toBe('passed');
          expect(result.details).toContain(
            `note: ${scenario.tool} records no checksums, so edits to applied files cannot be detected`,
          );
        }
      },
    );

    it('fails naming an applied migration whose file is gone', async () => {
      const repo = await copyFixture(scenario.tool);
      await scenario.remove(repo, 1);
      const result = await checkMigrations(full.db, repo, input);
      expect(result.status).toBe('failed');
      expect(result.message).toContain(`missing file: ${recordedSecond}`);
    });

    it('fails naming a migration applied in the database but absent from the repository', async () => {
      const repo = await copyFixture(scenario.tool);
      await scenario.remove(repo, 2);
      const result = await checkMigrations(full.db, repo, input);
      expect(result).toMatchObject({
        status: 'failed',
        message: `${scenario.tool} history differs from migrations: extra applied: ${recordedThird}`,
      });
    });

    it('passes with a warning for a pending migration, and fails with pending: fail', async () => {
      const repo = await copyFixture(scenario.tool);
      const warned = await checkMigrations(partial.db, repo, input);
      expect(warned).toMatchObject({
        status: 'passed',
        message: `2 ${scenario.tool} migrations applied, all match migrations; 1 pending`,
      });
      expect(warned.details).toContain(`warning: pending ${third} (not applied)`);
      const failed = await checkMigrations(partial.db, repo, { ...input, pending: 'fail' });
      expect(failed).toMatchObject({
        status: 'failed',
        message: `${scenario.tool} history differs from migrations: pending: ${third}`,
      });
    });

    more?.(() => pg);
  });
}

/** A database where the first `count` fixture migrations were applied (from a copy holding only those). */
async function applied(
  scenario: ToolScenario,
  pg: ScratchPostgres,
  label: string,
  count: number,
): Promise<ScratchDatabase> {
  const name = `${scenario.tool.replaceAll('-', '_')}_${label}`;
  const database = await pg.createDatabase(name);
  const repo = await copyFixture(scenario.tool);
  for (let index = 2; index >= count; index--) await scenario.remove(repo, index);
  await scenario.apply(pg, { ...database, name }, repo);
  return database;
}
