import { formatDuration } from '../../util/duration.js';
import { CI_PROVIDER_NAMES, type CiContext } from '../ci-context.js';
import type { DrillReport, JsonReport, ObjectiveReport } from '../report-schema.js';

/** The words both evidence formats (and the step summary) use, so HTML and Markdown say the same thing. */

export const VERDICT_TEXT: Record<JsonReport['verdict'], string> = {
  passed: 'PASSED: every backup restored and every check held',
  failed: 'FAILED: a backup did not restore or a check did not hold',
  error: 'ERROR: a drill could not run to the end',
};

/** `31.5s, objective 1h: met` · `not measured, objective 1h` · `31.5s, no objective set` */
export function formatObjective(objective: ObjectiveReport): string {
  const achieved = objective.achievedSeconds === undefined ? 'not measured' : formatDuration(objective.achievedSeconds);
  if (objective.objectiveSeconds === undefined) return `${achieved}, no objective set`;
  const limit = `objective ${formatDuration(objective.objectiveSeconds)}`;
  return objective.status === 'not-measured' ? `${achieved}, ${limit}` : `${achieved}, ${limit}: ${objective.status}`;
}

/** Durations in tables and the timeline: a 12 ms check reads `12 ms`, not `0s`. */
export function formatTook(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : formatDuration(seconds);
}

export function checkCounts(drill: DrillReport): string {
  const passed = drill.checks.filter((c) => c.status === 'passed').length;
  return `${passed}/${drill.checks.length} passed`;
}

const BACKUP_LABELS: Record<string, string> = {
  key: 'key / backup id',
  store: 'store',
  size: 'size (bytes)',
  sha256: 'SHA-256 of the bytes read',
  etag: 'ETag',
  createdAt: 'created',
  ageSeconds: 'age at restore',
  format: 'format',
  producedBy: 'produced by',
};

/** One backup as label/value pairs: the documented fields first, then whatever the source recorded. */
export function backupFacts(backup: NonNullable<DrillReport['backup']>[number]): [string, string][] {
  const keys = [
    ...Object.keys(BACKUP_LABELS),
    ...Object.keys(backup).filter((k) => !(k in BACKUP_LABELS) && k !== 'lastModified'),
  ];
  return keys.flatMap((key) => {
    const value = backup[key];
    if (value === undefined) return [];
    return [
      [BACKUP_LABELS[key] ?? key, key === 'ageSeconds' ? formatDuration(Number(value)) : String(value)] as [
        string,
        string,
      ],
    ];
  });
}

/** How recovery ended, as label/value pairs; a logical restore says why there is none. */
export function recoveryFacts(drill: DrillReport): [string, string][] {
  const r = drill.recovery;
  if (!r)
    return [
      [
        'recovery',
        drill.source?.kind === 'pgdump'
          ? 'logical restore (pg_dump): no WAL replay; the recovery point is the backup itself'
          : 'not reached: the restore did not get that far',
      ],
    ];
  return [
    ['target', r.target],
    ['target reached', r.reached ? 'yes' : 'no'],
    ['stop record', r.stopRecord ?? '(end of archive)'],
    ['last replayed commit', r.lastCommitTime ?? 'none seen'],
    ['redo done at (LSN)', r.redoDoneAt ?? 'unknown'],
    ['new timeline', r.newTimeline === undefined ? 'unknown' : String(r.newTimeline)],
    ['WAL segments fetched', String(r.segmentsRestored)],
    [
      'archive',
      `${r.archive.count} segments, ${r.archive.first ?? '?'} … ${r.archive.last ?? '?'}${r.archive.missing.length ? `; missing ${r.archive.missing.join(', ')}` : ''}`,
    ],
    ['replay', formatDuration(r.replaySeconds)],
    ...(r.rpoSeconds === undefined ? [] : [['achieved RPO', formatDuration(r.rpoSeconds)] as [string, string]]),
    ...r.problems.map((p) => ['problem', p] as [string, string]),
  ];
}

export function engineFacts(drill: DrillReport): [string, string][] {
  const e = drill.engine;
  if (!e) return [['server', 'not started']];
  return [
    ['engine', e.kind],
    ['server version', e.version],
    ...(e.image ? [['image', e.image] as [string, string]] : []),
    ...(e.binDir ? [['binaries', e.binDir] as [string, string]] : []),
    ['connection', e.connection],
    [
      'extensions',
      e.extensions?.length ? e.extensions.map((x) => `${x.name} ${x.version}`).join(', ') : 'none recorded',
    ],
  ];
}

/** The tools and host that produced the run, as rows. */
export function toolFacts(report: JsonReport): [string, string][] {
  return [
    ['pgdrill', report.tools.pgdrill],
    ['node', report.tools.node],
    ...report.tools.servers.map((s) => ['PostgreSQL server', s] as [string, string]),
    ...Object.entries(report.tools.commands),
    ['host', `${report.host.hostname} (${report.host.platform} ${report.host.release}, ${report.host.arch})`],
    ['report', `schema ${report.schemaVersion}, generated ${report.generatedAt}`],
  ];
}

/** The CI run as label/value pairs (the run URL is the `run` row); outside CI, one row saying so. */
export function ciFacts(ci: CiContext | undefined): [string, string][] {
  if (!ci) return [['CI', 'none detected: started outside CI (or by a CI system pgdrill does not recognise)']];
  const rows: [string, string | undefined][] = [
    ['CI', CI_PROVIDER_NAMES[ci.provider]],
    ['run', ci.runUrl],
    ['run id', ci.runId && (ci.attempt ? `${ci.runId} (attempt ${ci.attempt})` : ci.runId)],
    ['repository', ci.repository],
    ['workflow / job', ci.workflow],
    ['commit', ci.commit],
    ['branch / tag', ci.ref],
    ['started by', ci.actor],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

/** Each suite file with its SHA-256 (or why there is none). */
export function suiteFileFacts(report: JsonReport): [string, string][] {
  const hashes = report.suite.fileHashes;
  if (!hashes) return report.suite.files.map((f) => [f, 'not recorded']);
  return hashes.map((f) => [f.path, f.sha256 ?? f.problem ?? 'not recorded']);
}

/** A link target only for http(s): a report never links to javascript: or file: from recorded text. */
export function safeHref(url: string | undefined): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

/** One line for a table cell: `GitHub Actions run 123 (attempt 2) · main @ 0123456789ab · by alice`. */
export function ciSummary(ci: CiContext | undefined, host?: string): string {
  if (!ci) return host ? `no CI recorded (host ${host})` : 'no CI recorded';
  const name = ci.provider === 'ci' ? 'CI' : CI_PROVIDER_NAMES[ci.provider];
  const run = ci.runId ? ` run ${ci.runId}${ci.attempt && ci.attempt !== '1' ? ` (attempt ${ci.attempt})` : ''}` : '';
  const where = [ci.ref, ci.commit?.slice(0, 12)].filter(Boolean).join(' @ ');
  return [`${name}${run}`, where, ci.actor ? `by ${ci.actor}` : ''].filter(Boolean).join(' · ');
}
