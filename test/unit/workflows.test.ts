import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const workflow = async (name: string) => parse(await readFile(join(root, '.github', 'workflows', name), 'utf8'));

test('the project CI runs the README test command with the official images pulled before the tests', async () => {
  const ci = await workflow('ci.yml');
  const runs = (ci.jobs.test.steps as Array<{ run?: string }>).map((s) => s.run).filter((r): r is string => r !== undefined);
  const pulls = runs.findIndex((r) => r.includes('docker pull postgres:15'));
  expect(pulls).toBeGreaterThanOrEqual(0);
  expect(runs[pulls]).toContain('docker pull timescale/timescaledb:latest-pg15');
  expect(runs[pulls]).toContain('docker pull "$PGDRILL_MINIO_IMAGE"');
  expect(runs.indexOf('npm test')).toBeGreaterThan(pulls);
  expect(runs.some((r) => r.includes('apt-get install -y --no-install-recommends postgresql-15'))).toBe(true);
  expect(ci.jobs.test.env).toMatchObject({ PGDRILL_POSTGRES_IMAGE: 'postgres:{major}', PGDRILL_MINIO_IMAGE: 'minio/minio:latest' });
});

test('the restore-drill template is weekly, publishes JUnit as a check, keeps reports, and takes secrets from the environment', async () => {
  const wf = await workflow('restore-drill.yml');
  expect(wf.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* [0-6]$/);
  expect(wf.permissions.checks).toBe('write');
  const steps = wf.jobs.drill.steps as Array<{ uses?: string; run?: string; with?: Record<string, string> }>;
  expect(steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))?.with?.report_paths).toBe('reports/restore.junit.xml');
  expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with?.path).toBe('reports/');
  const drill = steps.find((s) => s.run?.includes('pgdrill run'))!.run!;
  expect(drill).toContain('--junit reports/restore.junit.xml');
  expect(drill).toContain('--report reports/restore.html');
  for (const value of Object.values(wf.jobs.drill.env as Record<string, string>)) expect(value).toMatch(/^\$\{\{ (secrets|github)\.|^[a-z0-9-]+$/);
});
