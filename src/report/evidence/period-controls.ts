import type { PeriodEntry, PeriodSummary } from '../../history/period-summary.js';
import { formatDuration } from '../../util/duration.js';
import type { ControlRow, ControlTableRow } from './controls.js';

const SEVERITY: ControlRow['status'][] = ['exception', 'not evidenced', 'evidenced', 'not applicable'];
const worst = (statuses: ControlRow['status'][]): ControlRow['status'] =>
  SEVERITY.find((s) => statuses.includes(s)) ?? 'not evidenced';

const day = (iso: string) => iso.slice(0, 10);
const label = (e: PeriodEntry) => `${day(e.startedAt)} ${e.suite}/${e.name}`;

/**
 * The same evidence rows as a run report, over every drill run of a period, plus how regularly restores were
 * tested. Exceptions are listed with what followed them (the drill's next pass), which is what an auditor asks.
 */
export function periodControlTable(summary: PeriodSummary): ControlTableRow[] {
  const all = summary.entries;
  if (all.length === 0)
    return [
      {
        evidence: 'Restores were tested during the period',
        status: 'not evidenced',
        observed: `no drill ran in ${summary.period.description}`,
        notes: [],
        controls: ['SOC2-A1.3', 'ISO27001-A.8.13', 'HIPAA-164.308(a)(7)(ii)(D)'],
      },
    ];
  const notRestored = all.filter((e) => e.restoreSeconds === undefined);
  const noBackup = all.filter((e) => !e.backupKey);
  const checkFailures = all.filter((e) => e.failedChecks > 0);
  const unchecked = all.filter((e) => e.checks === 0 && e.restoreSeconds !== undefined);
  const failures = all.filter((e) => e.status !== 'passed');
  return [
    regularity(summary),
    {
      evidence: 'A real backup was restored into a separate, throwaway server',
      status: notRestored.length ? 'exception' : 'evidenced',
      observed: `${all.length - notRestored.length} of ${all.length} drill runs restored their backup`,
      notes: notRestored.map(
        (e) => `${label(e)}: no restore${e.errorCode ? ` (${e.errorCode})` : ''}${followUp(e, all)}`,
      ),
      controls: ['SOC2-A1.3', 'ISO27001-A.8.13', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
    {
      evidence: 'The backup is identified: location, size, checksum, creation time',
      status: noBackup.length ? 'exception' : 'evidenced',
      observed: `${all.length - noBackup.length} of ${all.length} drill runs recorded the backup they restored (key below; size, checksum and time in each run's report)`,
      notes: noBackup.map((e) => `${label(e)}: no backup found${e.errorCode ? ` (${e.errorCode})` : ''}`),
      controls: ['SOC2-A1.2', 'ISO27001-A.8.13'],
    },
    {
      evidence: 'The restored data was checked, not only the exit code',
      status: checkFailures.length ? 'exception' : unchecked.length ? 'not evidenced' : 'evidenced',
      observed: `${all.reduce((n, e) => n + e.checks, 0)} checks over ${all.length} drill runs; ${checkFailures.length} runs with checks that did not hold`,
      notes: [
        ...checkFailures.map(
          (e) => `${label(e)}: ${e.failedChecks} of ${e.checks} checks did not hold${followUp(e, all)}`,
        ),
        ...unchecked.map((e) => `${label(e)}: no checks listed`),
      ],
      controls: ['SOC2-A1.3', 'SOC2-CC7.5', 'ISO27001-A.8.13', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
    objectiveRow(
      'Recovery time measured against the RTO',
      all,
      (e) => e.restoreSeconds,
      (e) => e.objectives.rtoSeconds,
      ['SOC2-A1.3', 'SOC2-CC7.5', 'HIPAA-164.308(a)(7)(ii)(D)'],
    ),
    objectiveRow(
      'Recovery point (data loss) measured against the RPO',
      all,
      (e) => e.rpoSeconds ?? e.backupAgeSeconds,
      (e) => e.objectives.rpoSeconds,
      ['SOC2-A1.2', 'SOC2-A1.3', 'ISO27001-A.8.13'],
    ),
    {
      evidence: 'A failure is recorded with its cause and the next step',
      status: failures.length ? 'evidenced' : 'not applicable',
      observed: failures.length
        ? `${failures.length} drill runs did not pass; each is recorded with its error code or failed checks, and whether the drill passed again`
        : 'every drill run passed',
      notes: failures.map(
        (e) =>
          `${label(e)}: ${e.status}${e.errorCode ? ` (${e.errorCode})` : e.failedChecks ? ` (${e.failedChecks} checks)` : ''}${followUp(e, all)}`,
      ),
      controls: ['SOC2-CC7.5', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
  ];
}

/** How often each drill was tested, and the longest wait between two of its runs. */
function regularity(summary: PeriodSummary): ControlTableRow {
  const days = new Set(summary.entries.map((e) => day(e.startedAt))).size;
  const gaps = summary.drills.map((d) => {
    const times = summary.entries
      .filter((e) => e.suite === d.suite && e.name === d.drill)
      .map((e) => Date.parse(e.startedAt));
    const gap = times.slice(1).reduce((max, t, i) => Math.max(max, t - times[i]!), 0) / 1000;
    return { drill: `${d.suite}/${d.drill}`, gap, d };
  });
  const never = summary.drills.filter((d) => d.passed === 0);
  return {
    evidence: 'Restores were tested regularly during the period',
    status: never.length ? 'exception' : 'evidenced',
    observed: `${summary.entries.length} drill runs of ${summary.drills.length} drills on ${days} days, ${summary.period.description}`,
    notes: [
      ...gaps.map(
        ({ drill, gap, d }) =>
          `${drill}: ${d.runs} runs, ${d.passed} passed${d.runs > 1 ? `, longest gap between runs ${formatDuration(gap)}` : ''}`,
      ),
      ...never.map((d) => `${d.suite}/${d.drill}: never passed in the period`),
    ],
    controls: ['SOC2-A1.2', 'SOC2-A1.3', 'ISO27001-A.8.13', 'HIPAA-164.308(a)(7)(ii)(D)'],
  };
}

function objectiveRow(
  evidence: string,
  all: PeriodEntry[],
  achieved: (e: PeriodEntry) => number | undefined,
  objective: (e: PeriodEntry) => number | undefined,
  controls: ControlTableRow['controls'],
): ControlTableRow {
  const judged = all.map((e) => {
    const limit = objective(e);
    const value = achieved(e);
    const status =
      limit === undefined ? 'no objective' : value === undefined ? 'not measured' : value <= limit ? 'met' : 'missed';
    return { e, status, value, limit };
  });
  const tally = ['met', 'missed', 'not measured', 'no objective']
    .map((s) => [s, judged.filter((j) => j.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return {
    evidence,
    status: worst(
      judged.map((j) => (j.status === 'met' ? 'evidenced' : j.status === 'missed' ? 'exception' : 'not evidenced')),
    ),
    observed: `${tally} (of ${all.length} drill runs)`,
    notes: judged
      .filter((j) => j.status === 'missed')
      .map((j) => `${label(j.e)}: ${formatDuration(j.value!)} against ${formatDuration(j.limit!)}`),
    controls,
  };
}

/** `; passed again 2026-11-04` or `; not passed since` for a run that did not pass (or missed an objective). */
function followUp(entry: PeriodEntry, all: PeriodEntry[]): string {
  const next = all.find(
    (e) => e.suite === entry.suite && e.name === entry.name && e.status === 'passed' && e.startedAt > entry.startedAt,
  );
  return next ? `; passed again ${day(next.startedAt)}` : '; not passed since in the period';
}
