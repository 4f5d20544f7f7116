import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBackupLab, type BackupLab } from '../support/backup-lab.js';
import { startRecordingServer, type RecordingServer } from '../integration/notify/recording-server.js';

// A real drill run twice through the built CLI (once passing, once with a failing check): history, metrics,
// webhook, a Slack endpoint that never answers, then `pgdrill history`.
let lab: BackupLab;
let hooks: RecordingServer;
let silent: RecordingServer;

beforeAll(async () => {
  lab = await startBackupLab();
  hooks = await startRecordingServer();
  silent = await startRecordingServer(() => 'hang');
}, 300_000);

afterAll(async () => {
  await hooks?.close();
  await silent?.close();
  await lab?.close();
});

const promtool = (file: string) =>
  new Promise<{ code: number; output: string }>((resolve) =>
    execFile('promtool', ['check', 'metrics'], { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, output: stdout + stderr }),
    ).stdin!.end(file),
  );

test('two runs append history, write metrics, notify; a dead Slack endpoint leaves the exit code alone; history shows last pass and trend', async () => {
  const suite = await lab.writeSuite(
    'alerts',
    `name: alerts\nobjectives: { rto: 10m, rpo: 1d }\n${lab.storageYaml}drills:\n  - name: shop\n    source: { pgdump: { store: lab, key: formats/shop.dump, database: shop } }\n    checks:\n      - sql: { name: users, query: "select count(*) from shop.users", equals: "\${USERS}" }\n` +
      'history: { file: out/history.jsonl }\nmetrics: { textfile: out/pgdrill.prom }\n' +
      'notify: [ { webhook: { urlEnv: HOOK_URL, on: always } }, { slack: { urlEnv: SLACK_URL, timeout: 1s, attempts: 1 } } ]\n',
  );
  const env = {
    HOOK_URL: `${hooks.url}/hook/T0KEN-SECRET`,
    SLACK_URL: `${silent.url}/services/SLACK-SECRET`,
    PGDRILL_REPORT_URL: 'https://ci.example/jobs/1/artifacts',
  };
  const passed = await lab.runCli(['run', suite], { env: { ...env, USERS: '5000' } });
  expect(passed.exitCode, passed.stderr).toBe(0);
  expect(silent.requests).toHaveLength(0); // slack is on failure only
  const cliMetrics = join(lab.dir, 'cli', 'run.prom');
  const failed = await lab.runCli(['run', suite, '--metrics', cliMetrics], { env: { ...env, USERS: '5001' } });
  expect(failed.exitCode, failed.stderr).toBe(1);
  expect(failed.stderr).toMatch(
    /warning: notification slack via \$SLACK_URL failed after 1 attempt: no answer within 1000 ms; the run's exit code is unchanged/,
  );
  expect(silent.requests).toHaveLength(1);
  for (const secret of ['T0KEN-SECRET', 'SLACK-SECRET'])
    expect(passed.stderr + failed.stderr + failed.stdout).not.toContain(secret);

  const lines = (await readFile(join(lab.dir, 'out', 'history.jsonl'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(
    lines.map((l) => [l.suite, l.exitCode, l.drills[0].name, l.drills[0].status, l.drills[0].failedChecks]),
  ).toEqual([
    ['alerts', 0, 'shop', 'passed', 0],
    ['alerts', 1, 'shop', 'failed', 1],
  ]);

  const webhook = hooks.requests.map((r) => JSON.parse(r.body));
  expect(webhook.map((p) => [p.verdict, p.exitCode, p.reportUrl])).toEqual([
    ['passed', 0, 'https://ci.example/jobs/1/artifacts'],
    ['failed', 1, 'https://ci.example/jobs/1/artifacts'],
  ]);
  expect(webhook[1].drills[0].failedChecks[0]).toMatchObject({ type: 'sql', name: 'sql users = 5001', actual: '5000' });

  // The failing run keeps the last success, taken from history.
  const lastPass = Date.parse(lines[0].drills[0].finishedAt) / 1000;
  for (const file of [join(lab.dir, 'out', 'pgdrill.prom'), cliMetrics]) {
    const text = await readFile(file, 'utf8');
    expect(text).toContain('pgdrill_drill_success{suite="alerts",drill="shop"} 0');
    expect(text).toContain(`pgdrill_drill_last_success_timestamp_seconds{suite="alerts",drill="shop"} ${lastPass}`);
    expect(text).toContain('pgdrill_drill_failed_checks{suite="alerts",drill="shop"} 1');
    expect(text).toMatch(/^pgdrill_drill_backup_age_seconds\{suite="alerts",drill="shop"\} \d/m);
    expect((await promtool(text)).code).toBe(0);
  }

  const history = await lab.runCli(['history', suite], { env: { USERS: '1' } });
  expect(history.exitCode, history.stderr).toBe(0);
  expect(history.stdout).toMatch(/^history of alerts: 2 runs in .*history\.jsonl/);
  expect(history.stdout).toMatch(/^shop \(2 runs\)$/m);
  expect(history.stdout).toMatch(/last status {3}✗ failed at \S+ \S+Z \(1 failed check\)/);
  expect(history.stdout).toContain(
    `last passed   ${lines[0].drills[0].finishedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`,
  );
  expect(history.stdout).toMatch(/restore time {2}last 2: \S+ \S+ · median \S+ · [▁▂▃▄▅▆▇█]{2}/);
  const fromFile = await lab.runCli([
    'history',
    '--from',
    join(lab.dir, 'out', 'history.jsonl'),
    '--drill',
    'shop',
    '--last',
    '1',
  ]);
  expect(fromFile.exitCode, fromFile.stderr).toBe(0);
  expect(fromFile.stdout).toMatch(/restore time {2}last 1: \S+ · median/);
});

test('a history prefix overlapping a drill source prefix is a suite error (exit 2); no history at all says how to add one', async () => {
  const suite = await lab.writeSuite(
    'overlap',
    `name: overlap\n${lab.storageYaml}drills:\n  - name: shop\n    source: { pgdump: { store: lab, prefix: formats/, database: shop } }\nhistory: { s3: { store: lab, prefix: formats/history/ } }\n`,
  );
  for (const command of ['validate', 'run']) {
    const result = await lab.runCli([command, suite]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /history\.s3\.prefix \(line \d+\): history prefix "formats\/history\/" overlaps the source of drills\[0\] \(shop\): "formats\/"/,
    );
  }
  const plain = await lab.writeSuite(
    'plain',
    `name: plain\n${lab.storageYaml}drills:\n  - name: shop\n    source: { pgdump: { store: lab, key: formats/shop.dump } }\n`,
  );
  const none = await lab.runCli(['history', plain]);
  expect(none.exitCode).toBe(2);
  expect(none.stderr).toMatch(/NO_HISTORY: suite plain .* has no history to read\n\s+hint: add `history: /);
});
