import { formatDuration } from '../../util/duration.js';
import type { DrillReport } from '../report-schema.js';
import { formatObjective } from './evidence-text.js';

/**
 * The criteria auditors ask about for backup and recovery testing. pgdrill supplies evidence towards
 * them; whether a control is met is the auditor's judgement (docs/evidence.md says how each row helps).
 */
export const CONTROLS = {
  'SOC2-A1.2': 'SOC 2 A1.2: data backup processes and recovery infrastructure are operated and monitored',
  'SOC2-A1.3': 'SOC 2 A1.3: recovery plan procedures supporting system recovery are tested',
  'SOC2-CC7.5': 'SOC 2 CC7.5: activities to recover from identified incidents are developed and implemented',
  'ISO27001-A.8.13': 'ISO/IEC 27001:2022 A.8.13 Information backup: backup copies are maintained and regularly tested',
  'HIPAA-164.308(a)(7)(ii)(D)': 'HIPAA 164.308(a)(7)(ii)(D): testing and revision procedures for contingency plans',
} as const;

export type ControlId = keyof typeof CONTROLS;

/** The short names the tables cite; the legend (CONTROLS) is printed once per report. */
export const CONTROL_SHORT: Record<ControlId, string> = {
  'SOC2-A1.2': 'SOC 2 A1.2',
  'SOC2-A1.3': 'SOC 2 A1.3',
  'SOC2-CC7.5': 'SOC 2 CC7.5',
  'ISO27001-A.8.13': 'ISO 27001 A.8.13',
  'HIPAA-164.308(a)(7)(ii)(D)': 'HIPAA 164.308(a)(7)(ii)(D)',
};

export interface ControlRow {
  evidence: string;
  /** What this drill showed. */
  observed: string;
  /** evidenced: the drill shows it · exception: the drill shows it failing · not evidenced / not applicable */
  status: 'evidenced' | 'exception' | 'not evidenced' | 'not applicable';
  controls: ControlId[];
}

/** One drill's evidence mapped to the criteria. */
export function controlRows(drill: DrillReport): ControlRow[] {
  const restored = drill.steps.find((s) => s.name === 'restore');
  const backup = drill.backup?.[0];
  const failedChecks = drill.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
  const objectiveStatus = (s: DrillReport['objectives']['rto']['status']): ControlRow['status'] =>
    s === 'met' ? 'evidenced' : s === 'missed' ? 'exception' : 'not evidenced';
  return [
    {
      evidence: 'A real backup was restored into a separate, throwaway server',
      observed: restored
        ? `restore ${restored.status} on ${drill.engine ? `PostgreSQL ${drill.engine.version}` : 'no server'} at ${drill.startedAt}`
        : 'no restore ran',
      status: restored?.status === 'passed' ? 'evidenced' : 'exception',
      controls: ['SOC2-A1.3', 'ISO27001-A.8.13', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
    {
      evidence: 'The backup is identified: location, size, checksum, creation time',
      observed: backup
        ? `${backup.key} from ${backup.store}${backup.sha256 ? `, sha256 ${backup.sha256}` : backup.etag ? `, ETag ${backup.etag}` : ''}${backup.createdAt ? `, created ${backup.createdAt}` : ''}`
        : 'no backup was found',
      status: backup ? 'evidenced' : 'exception',
      controls: ['SOC2-A1.2', 'ISO27001-A.8.13'],
    },
    {
      evidence: 'The restored data was checked, not only the exit code',
      observed:
        drill.checks.length === 0
          ? 'no checks ran'
          : `${drill.checks.length - failedChecks.length} of ${drill.checks.length} checks held${failedChecks.length ? `; not: ${failedChecks.map((c) => c.name).join(', ')}` : ''}`,
      status: drill.checks.length === 0 ? 'not evidenced' : failedChecks.length ? 'exception' : 'evidenced',
      controls: ['SOC2-A1.3', 'SOC2-CC7.5', 'ISO27001-A.8.13', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
    {
      evidence: 'Recovery time measured against the RTO',
      observed: formatObjective(drill.objectives.rto),
      status: objectiveStatus(drill.objectives.rto.status),
      controls: ['SOC2-A1.3', 'SOC2-CC7.5', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
    {
      evidence: 'Recovery point (data loss) measured against the RPO',
      observed: formatObjective(drill.objectives.rpo),
      status: objectiveStatus(drill.objectives.rpo.status),
      controls: ['SOC2-A1.2', 'SOC2-A1.3', 'ISO27001-A.8.13'],
    },
    {
      evidence: "Point-in-time recovery proven from the server's own stop record",
      observed: drill.recovery
        ? `${drill.recovery.reached ? 'reached' : 'NOT reached'} ${drill.recovery.target}: ${drill.recovery.stopRecord ?? `end of archive after ${drill.recovery.segmentsRestored} segments`}`
        : 'logical restore: no WAL replay',
      status: drill.recovery ? (drill.recovery.reached ? 'evidenced' : 'exception') : 'not applicable',
      controls: ['SOC2-A1.3', 'SOC2-CC7.5'],
    },
    {
      evidence: 'A failure is recorded with its cause and the next step',
      observed: drill.error
        ? `${drill.error.code}: ${drill.error.message}${drill.error.hint ? ` (next: ${drill.error.hint})` : ''}`
        : drill.status === 'passed'
          ? `no failure; drill took ${formatDuration(drill.durationMs / 1000)}`
          : 'see the failed checks',
      status: drill.status === 'passed' ? 'not applicable' : 'evidenced',
      controls: ['SOC2-CC7.5', 'HIPAA-164.308(a)(7)(ii)(D)'],
    },
  ];
}

/** One evidence row over every drill of a report: which drills show it, and what the others showed. */
export interface ControlSummaryRow {
  evidence: string;
  controls: ControlId[];
  /** The row's most serious status over the drills: exception, then not evidenced, evidenced, not applicable. */
  status: ControlRow['status'];
  /** `2 evidenced · 1 exception` */
  counts: string;
  /** Per status, the drills with it and what each showed. */
  drills: { status: ControlRow['status']; drill: string; observed: string }[];
}

const SEVERITY: ControlRow['status'][] = ['exception', 'not evidenced', 'evidenced', 'not applicable'];

/** The control mapping once per report: each evidence row with the drills that show it (not a table per drill). */
export function controlSummary(drills: DrillReport[]): ControlSummaryRow[] {
  const perDrill = drills.map((d) => ({ drill: d.name, rows: controlRows(d) }));
  const template = controlRows(drills[0] ?? EMPTY_DRILL);
  return template.map((row, i) => {
    const entries = perDrill.map(({ drill, rows }) => ({
      status: rows[i]!.status,
      drill,
      observed: rows[i]!.observed,
    }));
    const statuses = SEVERITY.filter((s) => entries.some((e) => e.status === s));
    return {
      evidence: row.evidence,
      controls: row.controls,
      status: statuses[0] ?? 'not evidenced',
      counts: statuses.map((s) => `${entries.filter((e) => e.status === s).length} ${s}`).join(' · ') || 'no drills',
      drills: entries.sort((a, b) => SEVERITY.indexOf(a.status) - SEVERITY.indexOf(b.status)),
    };
  });
}

// Only the row texts and controls of a report without drills are read from it.
const EMPTY_DRILL: DrillReport = {
  name: '',
  status: 'error',
  startedAt: '1970-01-01T00:00:00.000Z',
  finishedAt: '1970-01-01T00:00:00.000Z',
  durationMs: 0,
  objectives: {
    rto: { status: 'not-measured', basis: '' },
    rpo: { status: 'not-measured', basis: '' },
  },
  timeline: [],
  steps: [],
  checks: [],
};

/** A row of the one control table a report prints: the run report's and the period summary's share it. */
export interface ControlTableRow {
  evidence: string;
  status: ControlRow['status'];
  /** What was observed, in one line. */
  observed: string;
  /** Which drills (or runs) showed what. */
  notes: string[];
  controls: ControlId[];
}

/** A run report's summary rows as table rows: drills that show the evidence by name, the others with what they showed. */
export function controlTable(drills: DrillReport[]): ControlTableRow[] {
  return controlSummary(drills).map((row) => ({
    evidence: row.evidence,
    status: row.status,
    observed: row.counts,
    notes: SEVERITY.flatMap((status) => {
      const with_ = row.drills.filter((d) => d.status === status);
      if (with_.length === 0) return [];
      if (status === 'evidenced' || status === 'not applicable')
        return [`${status}: ${with_.map((d) => d.drill).join(', ')}`];
      return with_.map((d) => `${status}: ${d.drill} — ${d.observed}`);
    }),
    controls: row.controls,
  }));
}
