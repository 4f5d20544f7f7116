import { Gauge, Registry } from 'prom-client';
import type { HistoryRun } from '../history/history-record.js';

/** `suite\u0000drill` → Unix seconds of the drill's last pass, from this run, history or the previous textfile. */
export type LastSuccess = Map<string, number>;

export const lastSuccessKey = (suite: string, drill: string): string => `${suite}\u0000${drill}`;

type GaugeName = (typeof GAUGES)[number][0];

const GAUGES = [
  ['pgdrill_drill_success', '1 when the drill restored the backup and every check passed, else 0.'],
  ['pgdrill_drill_last_run_timestamp_seconds', 'When the drill last ran (finished), Unix time.'],
  [
    'pgdrill_drill_last_success_timestamp_seconds',
    'When the drill last passed, Unix time (carried over from history or the previous file on failure).',
  ],
  ['pgdrill_drill_duration_seconds', 'Wall time of the whole drill.'],
  ['pgdrill_drill_restore_seconds', 'Measured RTO: drill start until the restored database was ready for checks.'],
  ['pgdrill_drill_replay_seconds', 'WAL replay time of a physical restore.'],
  ['pgdrill_drill_rpo_seconds', 'Achieved RPO: recovery target (or now) minus the last replayed commit.'],
  ['pgdrill_drill_backup_age_seconds', 'Age of the newest restored backup object at drill start.'],
  ['pgdrill_drill_checks', 'Checks run on the restored database.'],
  ['pgdrill_drill_failed_checks', 'Checks that failed or could not run.'],
  ['pgdrill_drill_rto_objective_seconds', "The suite's recovery time objective."],
  ['pgdrill_drill_rpo_objective_seconds', "The suite's recovery point objective."],
] as const;

export interface DrillMetricsGroup {
  suite: string;
  drill: string;
  /** The registry's text for this drill alone (a Pushgateway group). */
  text: string;
}

/** One fresh registry (never the global one) holding every drill of every run given. */
export async function renderMetrics(runs: HistoryRun[], lastSuccess: LastSuccess): Promise<string> {
  return createRegistry(runs, lastSuccess).metrics();
}

/** The same metrics, one text per drill, for Pushgateway groups `job/<job>/suite/<s>/drill/<d>`. */
export async function renderMetricsPerDrill(
  runs: HistoryRun[],
  lastSuccess: LastSuccess,
): Promise<DrillMetricsGroup[]> {
  const groups: DrillMetricsGroup[] = [];
  for (const run of runs)
    for (const drill of run.drills) {
      const one = { ...run, drills: [drill] };
      groups.push({ suite: run.suite, drill: drill.name, text: await createRegistry([one], lastSuccess).metrics() });
    }
  return groups;
}

function createRegistry(runs: HistoryRun[], lastSuccess: LastSuccess): Registry {
  const registry = new Registry();
  const gauges = Object.fromEntries(
    GAUGES.map(([name, help]) => [
      name,
      new Gauge({ name, help, labelNames: ['suite', 'drill'] as const, registers: [registry] }),
    ]),
  ) as Record<GaugeName, Gauge<'suite' | 'drill'>>;
  for (const run of runs) {
    for (const drill of run.drills) {
      const labels = { suite: run.suite, drill: drill.name };
      const set = (name: GaugeName, value: number | undefined) => {
        if (value !== undefined && Number.isFinite(value)) gauges[name].set(labels, value);
      };
      set('pgdrill_drill_success', drill.status === 'passed' ? 1 : 0);
      set('pgdrill_drill_last_run_timestamp_seconds', Date.parse(drill.finishedAt) / 1000);
      set(
        'pgdrill_drill_last_success_timestamp_seconds',
        drill.status === 'passed'
          ? Date.parse(drill.finishedAt) / 1000
          : lastSuccess.get(lastSuccessKey(run.suite, drill.name)),
      );
      set('pgdrill_drill_duration_seconds', drill.durationSeconds);
      set('pgdrill_drill_restore_seconds', drill.restoreSeconds);
      set('pgdrill_drill_replay_seconds', drill.replaySeconds);
      set('pgdrill_drill_rpo_seconds', drill.rpoSeconds);
      set('pgdrill_drill_backup_age_seconds', drill.backupAgeSeconds);
      set('pgdrill_drill_checks', drill.checks);
      set('pgdrill_drill_failed_checks', drill.failedChecks);
      set('pgdrill_drill_rto_objective_seconds', run.objectives.rtoSeconds);
      set('pgdrill_drill_rpo_objective_seconds', run.objectives.rpoSeconds);
    }
  }
  return registry;
}
