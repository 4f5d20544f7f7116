import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const workflow = async (name: string) => parse(await readFile(join(root, '.github', 'workflows', name), 'utf8'));

test('the project CI runs the README test command with the official image pulled before the tests', async () => {
  const ci = await workflow('ci.yml');
  const steps = ci.jobs.test.steps as Array<{ run?: string }>;
  expect(steps.map((s) => s.run).filter(Boolean)).toContain('npm test');
  expect(steps.some((s) => s.run?.includes('docker pull "postgres:${major}"'))).toBe(true);
  expect(ci.jobs.test.env.PGDRILL_POSTGRES_IMAGE).toBe('postgres:{major}');
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
