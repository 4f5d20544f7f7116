/** What the server log says about how recovery went (PostgreSQL 12+ wording). */
export interface RecoveryLogFacts {
  /** `recovery stopping before commit of transaction 745, time 2026-11-21 10:00:01.123+00` */
  stopRecord?: string;
  stopKind?: 'before' | 'after' | 'restore point' | 'consistency';
  stopXid?: string;
  stopTime?: string;
  /** `last completed transaction was at log time …` */
  lastCommitTime?: string;
  /** `redo done at 0/3000060` */
  redoDoneAt?: string;
  consistentAt?: string;
  newTimeline?: number;
  archiveRecoveryComplete: boolean;
  segmentsRestored: string[];
  /** FATAL/PANIC lines, and WAL damage lines (`invalid magic number`, `invalid record length`…). */
  problems: string[];
  targetNotReached: boolean;
  targetBeforeConsistency: boolean;
}

// What restore_command tools print to the server log, unprefixed: pgBackRest `ERROR: [037]: …`, barman, fetch-wal.
const RESTORE_COMMAND_ERROR = /^(ERROR: \[\d{3}\]|pgdrill fetch-wal:|ERROR:|Traceback|\w+Error:)/;
const DAMAGE =
  /invalid (magic number|record length|resource manager|contrecord|page header)|incorrect resource manager data checksum|unexpected pageaddr|record with incorrect prev-link/;

export function readRecoveryLog(log: string): RecoveryLogFacts {
  const facts: RecoveryLogFacts = {
    archiveRecoveryComplete: false,
    segmentsRestored: [],
    problems: [],
    targetNotReached: false,
    targetBeforeConsistency: false,
  };
  for (const line of log.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /recovery stopping (before|after) (?:commit|abort) of transaction (\d+), time (.+)$/.exec(line))) {
      Object.assign(facts, {
        stopRecord: line.slice(line.indexOf('recovery stopping')),
        stopKind: m[1],
        stopXid: m[2],
        stopTime: m[3]!.trim(),
      });
    } else if ((m = /recovery stopping at restore point "(.*)", time (.+)$/.exec(line))) {
      Object.assign(facts, {
        stopRecord: line.slice(line.indexOf('recovery stopping')),
        stopKind: 'restore point',
        stopTime: m[2]!.trim(),
      });
    } else if (/recovery stopping after reaching consistency/.test(line)) {
      Object.assign(facts, { stopRecord: 'recovery stopping after reaching consistency', stopKind: 'consistency' });
    } else if ((m = /recovery stopping (?:before|after) WAL location \(LSN\) "([0-9A-F]+\/[0-9A-F]+)"/.exec(line))) {
      Object.assign(facts, {
        stopRecord: line.slice(line.indexOf('recovery stopping')),
        stopKind: line.includes('before WAL') ? 'before' : 'after',
      });
    }
    if ((m = /last completed transaction was at log time (.+)$/.exec(line))) facts.lastCommitTime = m[1]!.trim();
    if ((m = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(line))) facts.redoDoneAt = m[1];
    if ((m = /consistent recovery state reached at ([0-9A-F]+\/[0-9A-F]+)/.exec(line))) facts.consistentAt = m[1];
    if ((m = /selected new timeline ID: (\d+)/.exec(line))) facts.newTimeline = Number(m[1]);
    if (/archive recovery complete/.test(line)) facts.archiveRecoveryComplete = true;
    if ((m = /restored log file "([0-9A-F]{24})" from archive/.exec(line))) facts.segmentsRestored.push(m[1]!);
    if (/recovery ended before configured recovery target was reached/.test(line)) facts.targetNotReached = true;
    if (/requested recovery stop point is before consistent recovery point/.test(line))
      facts.targetBeforeConsistency = true;
    // The engine probing for the restored cluster's superuser leaves `role "postgres" does not exist`: not a recovery problem.
    if (
      (/\b(FATAL|PANIC):/.test(line) && !/FATAL:\s+role ".*" does not exist/.test(line)) ||
      DAMAGE.test(line) ||
      RESTORE_COMMAND_ERROR.test(line)
    )
      facts.problems.push(line.trim());
  }
  return facts;
}
