import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { hasCommand } from '../../support/has-command.js';

const RULES = join(import.meta.dirname, '..', '..', '..', 'examples', 'alerts', 'pgdrill-rules.yml');
const hasPromtool = hasCommand('promtool');
const promtool = (args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) =>
    execFile('promtool', args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, output: stdout + stderr }),
    ),
  );

// promtool's rule unit tests: series over (virtual) time, and the alerts expected at given instants.
const UNIT_TESTS = `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1h
    input_series:
      - series: 'pgdrill_drill_last_success_timestamp_seconds{suite="nightly",drill="orders"}'
        values: '0x200'
      - series: 'pgdrill_drill_success{suite="nightly",drill="orders"}'
        values: '1 1 0'
      - series: 'pgdrill_drill_rpo_seconds{suite="nightly",drill="orders"}'
        values: '300 1200'
      - series: 'pgdrill_drill_rpo_objective_seconds{suite="nightly",drill="orders"}'
        values: '900x30'
    alert_rule_test:
      # Weekly drills: a week and a day without a pass, not a night.
      - eval_time: 27h
        alertname: PgdrillNoRestorableBackup
        exp_alerts: []
      - eval_time: 191h
        alertname: PgdrillNoRestorableBackup
        exp_alerts: []
      - eval_time: 193h
        alertname: PgdrillNoRestorableBackup
        exp_alerts:
          - exp_labels: { severity: critical, suite: nightly, drill: orders }
            exp_annotations:
              summary: "No restorable backup proven for nightly/orders within its drill schedule"
              description: "The last passing restore drill was 8d 1h 0m 0s ago. Run \`pgdrill history\` for the trend."
      - eval_time: 0m
        alertname: PgdrillRpoAboveObjective
        exp_alerts: []
      - eval_time: 1h
        alertname: PgdrillRpoAboveObjective
        exp_alerts:
          - exp_labels: { severity: critical, suite: nightly, drill: orders }
            exp_annotations:
              summary: "RPO of nightly/orders is above its objective"
              description: "Achieved RPO 20m 0s; see the drill's recovery report."
      - eval_time: 1h
        alertname: PgdrillDrillFailed
        exp_alerts: []
      - eval_time: 2h
        alertname: PgdrillDrillFailed
        exp_alerts:
          - exp_labels: { severity: critical, suite: nightly, drill: orders }
            exp_annotations:
              summary: "Restore drill nightly/orders failed"
              description: "The latest drill did not pass (pgdrill_drill_failed_checks has the count); see the run's report or notification."
`;

test.skipIf(!hasPromtool)(
  `the example alert rules pass promtool check rules, and fire when they should${hasPromtool ? '' : ' (skipped: promtool is not installed)'}`,
  async () => {
    const check = await promtool(['check', 'rules', RULES]);
    expect(check.output).toContain('SUCCESS: 5 rules found');
    expect(check.code).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-rules-'));
    try {
      const file = join(dir, 'rules.test.yml');
      await writeFile(file, UNIT_TESTS);
      const result = await promtool(['test', 'rules', file]);
      expect(result.output).toContain('SUCCESS');
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
