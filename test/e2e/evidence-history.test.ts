import { createHash } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { leftovers, startBackupLab, type BackupLab } from '../support/backup-lab.js';

// The period ("quarter") evidence report from a history file written by real runs of the built CLI: two runs
// of a suite with a passing and a failing drill, each started as a different GitHub Actions run.
let lab: BackupLab;
let suite: string;
let history: string;
let day: { first: string; last: string };

const github = (runId: string, actor: string) => ({
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/db-drills',
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_SHA: `${runId}`.padEnd(40, 'a'),
  GITHUB_REF_NAME: 'main',
  GITHUB_ACTOR: actor,
  GITHUB_WORKFLOW: 'weekly restore drill',
  GITHUB_TOKEN: `ghs_never_in_a_report_${runId}`,
});

beforeAll(async () => {
  lab = await startBackupLab();
  suite = await lab.writeSuite(
    'quarterly',
    `name: quarterly
objectives: { rto: 1h, rpo: 3650d }
history: { file: out/history.jsonl }
${lab.storageYaml}drills:
  - name: shop
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - rows: { table: shop.users, min: 1 }
  - name: too-few-orders
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - rows: { table: shop.orders, min: 1000000 }
`,
  );
  history = join(lab.dir, 'out', 'history.jsonl');
  for (const [runId, actor] of [
    ['8000000001', 'alice'],
    ['8000000002', 'bob'],
  ] as const) {
    const run = await lab.runCli(['run', suite], { env: github(runId, actor) });
    expect(run.exitCode, run.stderr).toBe(1);
  }
  const runs = (await readFile(history, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  day = { first: runs[0].startedAt.slice(0, 10), last: runs.at(-1).startedAt.slice(0, 10) };
}, 600_000);

afterAll(async () => {
  await lab?.close();
});

test('history records keep the run context: the GitHub run and the suite file SHA-256', async () => {
  const runs = (await readFile(history, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(runs).toHaveLength(2);
  const sha256 = createHash('sha256')
    .update(await readFile(suite))
    .digest('hex');
  expect(runs.map((r) => r.ci.runId)).toEqual(['8000000001', '8000000002']);
  expect(runs[1].ci).toMatchObject({ provider: 'github-actions', actor: 'bob', ref: 'main' });
  expect(runs[0].suiteFiles).toEqual([{ path: suite, sha256 }]);
  expect(await readFile(history, 'utf8')).not.toContain('ghs_never_in_a_report');
});

test('history --since/--until --evidence: every drill run of the period with its verdict and run, in HTML, Markdown and PDF', async () => {
  const out = join(lab.dir, 'period');
  const files = ['evidence.html', 'evidence.md', 'evidence.pdf'].map((f) => join(out, f));
  const result = await lab.runCli([
    'history',
    suite,
    '--since',
    day.first,
    '--until',
    day.last,
    ...files.flatMap((f) => ['--evidence', f]),
  ]);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/^history of quarterly: 2 runs in .*history\.jsonl · /);
  expect(result.stderr.match(/evidence of 4 drill runs/g)).toHaveLength(3);
  expect(result.stderr).toContain(`written to ${files[2]}`);

  const html = await readFile(files[0]!, 'utf8');
  expect(html).toContain('FAILED: 2 of 4 drill runs did not pass (2 failed, 0 could not run)');
  const runsTable = html.match(/<table class="runs">[\s\S]*?<\/table>/)![0];
  expect(runsTable.match(/<tr>/g)).toHaveLength(5);
  expect(runsTable.match(/class="status passed"/g)).toHaveLength(2);
  expect(runsTable.match(/class="status failed"/g)).toHaveLength(2);
  expect(runsTable).toContain('formats/shop.dump');
  for (const id of ['8000000001', '8000000002'])
    expect(runsTable).toContain(
      `<a href="https://github.com/acme/db-drills/actions/runs/${id}">GitHub Actions run ${id}`,
    );
  expect(runsTable).toContain('by bob');
  expect(html.match(/<table class="controls"/g)).toHaveLength(1);
  expect(html).toContain('quarterly/too-few-orders: 2 runs, 0 passed');
  expect(html).toContain('quarterly/too-few-orders: never passed in the period');
  const sha256 = createHash('sha256')
    .update(await readFile(suite))
    .digest('hex');
  expect(html).toContain(sha256);
  expect(html).not.toContain('ghs_never_in_a_report');

  const md = await readFile(files[1]!, 'utf8');
  expect(md).toContain(`# Restore drill evidence, ${day.first} to ${day.last}`);
  expect(md).toMatch(/\| quarterly \| too-few-orders \| failed \|/);
  expect(md.match(/## Evidence for auditors/g)).toHaveLength(1);

  const pdf = await readFile(files[2]!);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.toString('latin1').match(/\/Type\s*\/Page\b(?!s)/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
  expect(await leftovers(result.tmp)).toEqual([]);
});

test('a period with no runs in it says so, and exits 0', async () => {
  const file = join(lab.dir, 'period', 'empty.md');
  const result = await lab.runCli(['history', suite, '--since', '2099-01-01', '--evidence', file]);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(await readFile(file, 'utf8')).toContain('**NO RUNS: no drill ran in since 2099-01-01**');
});

test('a --since that is not a date is a usage error (exit 2) and writes nothing', async () => {
  const file = join(lab.dir, 'period', 'bad.html');
  const result = await lab.runCli(['history', suite, '--since', 'Q4', '--evidence', file]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain('INVALID_OPTION: --since Q4 is not a date');
  await expect(stat(file)).rejects.toThrow(/ENOENT/);
});

test('--evidence x.pdf without Chromium: REPORT_PDF_UNAVAILABLE, exit 3, before any history is read', async () => {
  const file = join(lab.dir, 'period', 'no-chromium.pdf');
  const result = await lab.runCli(['history', suite, '--evidence', file], {
    env: { PGDRILL_CHROMIUM: join(lab.dir, 'no', 'such', 'chromium') },
  });
  expect(result.exitCode).toBe(3);
  expect(result.stderr).toContain('REPORT_PDF_UNAVAILABLE');
  expect(result.stderr).toContain('apt-get install chromium');
  expect(result.stdout).toBe('');
  await expect(stat(file)).rejects.toThrow(/ENOENT/);
});

test('a Chromium that hangs is killed with its children after PGDRILL_PDF_TIMEOUT: REPORT_PDF_FAILED, exit 3, nothing left', async () => {
  // Stands in for a browser that never finishes: it starts a child and waits, recording both PIDs.
  const pids = join(lab.dir, 'hang-pids');
  const browser = join(lab.dir, 'hanging-chromium');
  await writeFile(browser, `#!/bin/sh\necho $$ > ${pids}.main\nsleep 300 &\necho $! > ${pids}.child\nwait\n`);
  await chmod(browser, 0o755);
  const file = join(lab.dir, 'period', 'hang.pdf');
  const result = await lab.runCli(['history', suite, '--evidence', file], {
    env: { PGDRILL_CHROMIUM: browser, PGDRILL_PDF_TIMEOUT: '3s' },
  });
  expect(result.exitCode, result.stderr).toBe(3);
  expect(result.stderr).toContain(
    `REPORT_PDF_FAILED: ${browser} --print-to-pdf did not finish within 3000 ms and was killed`,
  );
  await expect(stat(file)).rejects.toThrow(/ENOENT/);
  expect(await leftovers(result.tmp)).toEqual([]);
  for (const pid of [await readFile(`${pids}.main`, 'utf8'), await readFile(`${pids}.child`, 'utf8')])
    expect(await isRunning(Number(pid)), `process ${pid}`).toBe(false);
});

/** Alive and not a zombie (a killed orphan may wait a moment for init to reap it). */
async function isRunning(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return state !== '' && !/^\d+ \(.*\) [ZX]/.test(state);
}
