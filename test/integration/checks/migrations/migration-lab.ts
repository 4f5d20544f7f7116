/**
 * Shared by the migrations integration tests: scratch copies of a fixture repository that a test may edit,
 * and the check run the way a drill runs it (options parsed as from a suite, `dir` relative to the suite dir).
 */
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../../../../src/checks/check.js';
import { migrationsCheck } from '../../../../src/checks/migrations/migrations-check.js';
import { runCheck } from '../../../../src/checks/run-check.js';
import type { CheckResult } from '../../../../src/results.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/migrations/', import.meta.url));

/** A copy of one fixture repository: `root` plays the suite directory, `dir` (`root/migrations`) the migrations. */
export interface RepoCopy {
  root: string;
  dir: string;
}

const copies: string[] = [];

export async function copyFixture(fixture: string): Promise<RepoCopy> {
  const root = await mkdtemp(join(tmpdir(), `pgdrill-${fixture}-`));
  copies.push(root);
  const dir = join(root, 'migrations');
  await cp(join(FIXTURES, fixture), dir, { recursive: true });
  return { root, dir };
}

export async function removeCopies(): Promise<void> {
  await Promise.all(copies.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

/** Edits a migration file the way a developer would: one more line. */
export async function editFile(path: string, line: string): Promise<void> {
  await appendFile(path, `${line}\n`);
}

export async function checkMigrations(
  db: Queryable,
  repo: RepoCopy,
  input: Record<string, unknown>,
): Promise<CheckResult> {
  const options = migrationsCheck.options.parse({ dir: 'migrations', ...input });
  return runCheck(migrationsCheck, options, {
    db,
    database: 'test',
    restoreSeconds: 1,
    objectives: {},
    suiteDir: repo.root,
  });
}

/** postgresql:// URL of a scratch database, for tools that connect on their own (trust auth, no password). */
export function databaseUrl(port: number, database: string): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}
