import { SourceError } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import type { RecoveryReport } from '../results.js';
import type { RecoveryOutcome } from '../engines/engine.js';
import { readRecoveryLog } from './recovery-log.js';
import { describeTarget, parsePgTime, type RecoveryTarget } from './recovery-target.js';
import { segmentOfLsn, walCoverage, type WalSegment } from './wal-segments.js';

export interface ArchiveView {
  segments: Array<WalSegment & { lastModified: Date }>;
  start?: WalSegment;
}

/** The proof of the point reached, from the server log and the archive listing. */
export function buildRecoveryReport(options: {
  outcome: RecoveryOutcome;
  target?: RecoveryTarget;
  targetTime?: Date;
  archive: ArchiveView;
  now?: Date;
}): RecoveryReport {
  const { outcome, target, archive } = options;
  const facts = readRecoveryLog(outcome.log);
  const coverage = walCoverage(archive.segments, {
    from: archive.start?.number ?? 0,
    timeline: archive.start?.timeline ?? 1,
  });
  const newest = archive.segments.reduce<Date | undefined>(
    (max, s) => (!max || s.lastModified > max ? s.lastModified : max),
    undefined,
  );
  const promoted = outcome.ended === 'promoted';
  const latest = !target || target.latest;
  // For `latest`, reaching the target means replaying up to the newest archived segment: a gap or a
  // damaged segment makes PostgreSQL promote early, silently, at the last good record.
  const replayedToEnd =
    !!facts.redoDoneAt && (!coverage.last || segmentOfLsn(facts.redoDoneAt) >= coverage.last.number);
  const reached = promoted && (latest ? replayedToEnd : !!facts.stopRecord);
  const lastCommit = facts.lastCommitTime ? parsePgTime(facts.lastCommitTime) : undefined;
  const reference = options.targetTime ?? options.now ?? new Date();
  return {
    target: describeTarget(target),
    targetTime: options.targetTime?.toISOString(),
    reached,
    stopRecord: facts.stopRecord,
    lastCommitTime: lastCommit?.toISOString(),
    redoDoneAt: facts.redoDoneAt,
    newTimeline: facts.newTimeline,
    replaySeconds: outcome.durationMs / 1000,
    segmentsRestored: facts.segmentsRestored.length,
    archive: {
      first: coverage.first?.name,
      last: coverage.last?.name,
      count: coverage.count,
      newestAt: newest?.toISOString(),
      missing: coverage.missing,
    },
    rpoSeconds: lastCommit ? Math.max(0, (reference.getTime() - lastCommit.getTime()) / 1000) : undefined,
    problems: facts.problems,
  };
}

/** Why a recovery that did not end in promotion failed, with the archive's real coverage in the message. */
export function recoveryFailure(outcome: RecoveryOutcome, report: RecoveryReport): SourceError {
  const facts = readRecoveryLog(outcome.log);
  const coverage = `the archive holds ${report.archive.count} segment${report.archive.count === 1 ? '' : 's'} from the backup on (${report.archive.first ?? 'none'} … ${report.archive.last ?? 'none'}, newest archived ${report.archive.newestAt ?? 'never'})`;
  const last = report.lastCommitTime
    ? `the last commit replayed was at ${report.lastCommitTime}`
    : 'no commit was replayed';
  const gap =
    report.targetTime && report.lastCommitTime
      ? `, ${formatDuration(Math.max(0, (Date.parse(report.targetTime) - Date.parse(report.lastCommitTime)) / 1000))} before the target`
      : '';
  const details = [
    ...facts.problems,
    ...(report.archive.missing.length ? [`missing segments: ${report.archive.missing.join(', ')}`] : []),
  ];
  if (outcome.ended === 'timeout')
    return new SourceError(
      'RECOVERY_TIMEOUT',
      `recovery to ${report.target} was still running after ${report.replaySeconds.toFixed(0)} s; ${last}`,
      { details, hint: 'raise the drill timeout, or check why replay is slow' },
    );
  if (facts.targetBeforeConsistency)
    return new SourceError(
      'TARGET_BEFORE_BACKUP',
      `the target ${report.target} is before the backup's consistent point (${facts.consistentAt ?? 'unknown'}); ${coverage}`,
      { details, hint: 'pick an older backup set or a later target' },
    );
  if (facts.targetNotReached)
    return new SourceError(
      'WAL_TARGET_NOT_REACHED',
      `recovery ended before reaching ${report.target}: ${coverage}; ${last}${gap}`,
      {
        details,
        hint: 'the archive does not reach the target: WAL is missing or archiving stopped; check archive_command and the archive',
      },
    );
  return new SourceError(
    'RECOVERY_FAILED',
    `the restored server stopped during recovery to ${report.target}; ${last}`,
    { details, hint: 'see the server log lines above' },
  );
}
