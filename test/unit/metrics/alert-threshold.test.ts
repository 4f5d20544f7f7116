import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, test } from 'vitest';

// pgdrill does not know when its drills are scheduled, so the freshness alert's threshold is written as
// (interval + slack) days; this keeps it equal to the schedule of the templates it ships with.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const yaml = async (...path: string[]) => parse(await readFile(join(ROOT, ...path), 'utf8'));

/** Days between runs of a cron schedule that runs once a day (`m h * * *`) or once a week (`m h * * d`). */
function cronIntervalDays(cron: string): number {
  const [minute, hour, dom, month, dow] = cron.trim().split(/\s+/);
  expect(
    [minute, hour].every((f) => /^\d+$/.test(f!)),
    cron,
  ).toBe(true);
  expect([dom, month], cron).toEqual(['*', '*']);
  if (dow === '*') return 1;
  expect(dow, cron).toMatch(/^[0-7]$/);
  return 7;
}

test('PgdrillNoRestorableBackup waits one drill interval of the templates plus a slack longer than a drill may run', async () => {
  const rules = await yaml('examples', 'alerts', 'pgdrill-rules.yml');
  const alert = (rules.groups[0].rules as Array<{ alert?: string; expr: string }>).find(
    (r) => r.alert === 'PgdrillNoRestorableBackup',
  )!;
  const [, interval, slack] = /> \((\d+) \+ (\d+)\) \* 86400$/.exec(alert.expr.trim())!.map(Number) as [
    number,
    number,
    number,
  ];

  const workflows = [
    await yaml('.github', 'workflows', 'restore-drill.yml'),
    await yaml('.github', 'workflows', 'restore-drill-shards.yml'),
  ];
  const cronJob = await yaml('deploy', 'kubernetes', 'drill-cronjob.yaml');
  for (const cron of [...workflows.map((w) => w.on.schedule[0].cron as string), cronJob.spec.schedule as string])
    expect(cronIntervalDays(cron), cron).toBe(interval);

  // The longest a drill may run: the Kubernetes Job's deadline, the workflows' drill job timeouts.
  const runSeconds = [
    cronJob.spec.jobTemplate.spec.activeDeadlineSeconds as number,
    ...workflows.map((w) => (w.jobs.drill['timeout-minutes'] as number) * 60),
  ];
  expect(runSeconds.every((s) => s > 0)).toBe(true);
  const longestRunDays = Math.max(...runSeconds) / 86400;
  expect(slack).toBeGreaterThan(longestRunDays);
  expect(slack).toBeLessThan(interval);
});
