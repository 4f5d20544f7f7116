import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse, parseDocument } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const workflow = async (name: string) => parse(await readFile(join(root, '.github', 'workflows', name), 'utf8'));

test('the project CI runs the README test command with the official images pulled before the tests', async () => {
  const ci = await workflow('ci.yml');
  const runs = (ci.jobs.test.steps as Array<{ run?: string }>)
    .map((s) => s.run)
    .filter((r): r is string => r !== undefined);
  const pulls = runs.findIndex((r) => r.includes('docker pull postgres:15'));
  expect(pulls).toBeGreaterThanOrEqual(0);
  expect(runs[pulls]).toContain('docker pull timescale/timescaledb:latest-pg15');
  expect(runs[pulls]).toContain('docker pull "$PGDRILL_MINIO_IMAGE"');
  expect(runs.indexOf('npm test')).toBeGreaterThan(pulls);
  expect(runs.some((r) => r.includes('apt-get install -y --no-install-recommends postgresql-15'))).toBe(true);
  expect(ci.jobs.test.env).toMatchObject({
    PGDRILL_POSTGRES_IMAGE: 'postgres:{major}',
    PGDRILL_MINIO_IMAGE: 'minio/minio:latest',
  });
});

test('the restore-drill template is weekly, publishes JUnit as a check, keeps reports, and takes secrets from the environment', async () => {
  const wf = await workflow('restore-drill.yml');
  expect(wf.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* [0-6]$/);
  expect(wf.permissions.checks).toBe('write');
  const steps = wf.jobs.drill.steps as Array<{ uses?: string; run?: string; with?: Record<string, string> }>;
  expect(steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))?.with?.report_paths).toBe(
    'reports/restore.junit.xml',
  );
  expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with?.path).toBe('reports/');
  const drill = steps.find((s) => s.run?.includes('pgdrill run'))!.run!;
  expect(drill).toContain('--junit reports/restore.junit.xml');
  expect(drill).toContain('--report reports/restore.html');
  for (const value of Object.values(wf.jobs.drill.env as Record<string, string>))
    expect(value).toMatch(/^\$\{\{ (secrets|github)\.|^[a-z0-9-]+$/);
});

// The newest major of each official action, checked against the actions' release notes (2026): a new
// actions/* action must be added here, and a bump changes this table and every workflow together.
const NEWEST_MAJOR: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/setup-node': 'v7',
  'actions/upload-artifact': 'v7',
  'actions/download-artifact': 'v8',
};
// Node majors in active or maintenance LTS that package.json's engines also allows (20 left LTS in April 2026).
const SUPPORTED_NODE = [22, 24];
const JUNIT_ACTION = 'mikepenz/action-junit-report@v6';

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { 'runs-on'?: string; steps?: Step[]; uses?: string };

async function allWorkflows(): Promise<Array<{ name: string; wf: Record<string, any> }>> {
  const dir = join(root, '.github', 'workflows');
  const names = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out = [];
  for (const name of names) {
    const doc = parseDocument(await readFile(join(dir, name), 'utf8'));
    expect(
      doc.errors.map((e) => e.message),
      name,
    ).toEqual([]);
    out.push({ name, wf: doc.toJS() as Record<string, any> });
  }
  return out;
}
const stepsOf = (wf: Record<string, any>): Step[] =>
  Object.values(wf.jobs as Record<string, Job>).flatMap((j) => j.steps ?? []);

test('every workflow is a valid GitHub workflow: triggers, jobs with a runner, steps that either use an action or run', async () => {
  const workflows = await allWorkflows();
  expect(workflows.map((w) => w.name)).toEqual(['ci.yml', 'restore-drill-shards.yml', 'restore-drill.yml']);
  for (const { name, wf } of workflows) {
    expect(typeof wf.name, name).toBe('string');
    expect(wf.on, name).toBeTruthy();
    for (const [id, job] of Object.entries(wf.jobs as Record<string, Job>)) {
      expect(job['runs-on'], `${name} ${id}`).toMatch(/^ubuntu-/);
      for (const step of job.steps ?? [])
        expect((step.uses === undefined) !== (step.run === undefined), `${name} ${id}: ${JSON.stringify(step)}`).toBe(
          true,
        );
    }
  }
});

test('every official action is at its newest major', async () => {
  for (const { name, wf } of await allWorkflows())
    for (const { uses } of stepsOf(wf).filter((s) => s.uses?.startsWith('actions/'))) {
      const [action, ref] = uses!.split('@') as [string, string];
      expect(Object.keys(NEWEST_MAJOR), `${name}: ${uses} is not in the table`).toContain(action);
      expect(`${action}@${ref}`, name).toBe(`${action}@${NEWEST_MAJOR[action]}`);
    }
});

test('every workflow has a concurrency group, and a scheduled drill waits for the previous one instead of cancelling it', async () => {
  for (const { name, wf } of await allWorkflows()) {
    expect(wf.concurrency?.group, name).toMatch(/\S/);
    if (wf.on.schedule) expect(wf.concurrency['cancel-in-progress'], name).toBe(false);
  }
});

test('every setup-node asks for a Node major that package.json supports and that is still maintained', async () => {
  const engines = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: { node: string } })
    .engines.node;
  const minimum = Number(/^>=\s*(\d+)/.exec(engines)?.[1]);
  expect(minimum).toBeGreaterThan(0);
  let seen = 0;
  for (const { name, wf } of await allWorkflows())
    for (const step of stepsOf(wf).filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
      const version = Number(step.with?.['node-version']);
      expect(version, name).toBeGreaterThanOrEqual(minimum);
      expect(SUPPORTED_NODE, name).toContain(version);
      seen++;
    }
  expect(seen).toBeGreaterThanOrEqual(4);
});

test('the templates publish JUnit with one action at one major', async () => {
  const publishers = (await allWorkflows())
    .flatMap(({ wf }) => stepsOf(wf))
    .filter((s) => /junit|test-report|test-results|unit-test-result/i.test(s.uses ?? ''));
  expect(publishers).toHaveLength(2);
  expect(new Set(publishers.map((s) => s.uses))).toEqual(new Set([JUNIT_ACTION]));
  for (const step of publishers) expect(step.with).toMatchObject({ require_tests: true });
});

test('the workflows leave the AWS SDK notice to pgdrill, which silences it itself', async () => {
  for (const { name, wf } of await allWorkflows())
    expect(JSON.stringify(wf), name).not.toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
});
