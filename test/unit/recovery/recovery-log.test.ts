import { describe, expect, test } from 'vitest';
import { readRecoveryLog } from '../../../src/recovery/recovery-log.js';
import { buildRecoveryReport, recoveryFailure } from '../../../src/recovery/recovery-report.js';
import { describeTarget, parsePgTime, recoverySettings } from '../../../src/recovery/recovery-target.js';
import { recoveryTargetSchema } from '../../../src/recovery/recovery-target.js';

// Lines as PostgreSQL 15 writes them (see ENVIRONMENT.md, "PITR facts").
const reachedLog = `2026-11-21 10:00:00.100 UTC [100] LOG:  starting point-in-time recovery to 2026-11-21 10:00:05+00
2026-11-21 10:00:00.200 UTC [100] LOG:  restored log file "000000010000000000000003" from archive
2026-11-21 10:00:00.300 UTC [100] LOG:  consistent recovery state reached at 0/3000100
2026-11-21 10:00:00.400 UTC [100] LOG:  restored log file "000000010000000000000004" from archive
2026-11-21 10:00:00.500 UTC [100] LOG:  recovery stopping before commit of transaction 745, time 2026-11-21 10:00:06.123456+00
2026-11-21 10:00:00.500 UTC [100] LOG:  redo done at 0/4000200 system usage: CPU: user: 0.00 s
2026-11-21 10:00:00.500 UTC [100] LOG:  last completed transaction was at log time 2026-11-21 10:00:04.5+00
2026-11-21 10:00:00.600 UTC [100] LOG:  selected new timeline ID: 2
2026-11-21 10:00:00.700 UTC [100] LOG:  archive recovery complete`;

const notReachedLog = `2026-11-21 10:00:00.400 UTC [100] LOG:  restored log file "000000010000000000000004" from archive
2026-11-21 10:00:00.500 UTC [100] LOG:  redo done at 0/4000200 system usage: CPU: user: 0.00 s
2026-11-21 10:00:00.500 UTC [100] LOG:  last completed transaction was at log time 2026-11-21 10:00:04.5+00
2026-11-21 10:00:00.600 UTC [100] FATAL:  recovery ended before configured recovery target was reached`;

describe('readRecoveryLog', () => {
  test('reads the stop record, last commit, end LSN, timeline and segments fetched', () => {
    expect(readRecoveryLog(reachedLog)).toMatchObject({
      stopKind: 'before',
      stopXid: '745',
      stopTime: '2026-11-21 10:00:06.123456+00',
      lastCommitTime: '2026-11-21 10:00:04.5+00',
      redoDoneAt: '0/4000200',
      consistentAt: '0/3000100',
      newTimeline: 2,
      archiveRecoveryComplete: true,
      segmentsRestored: ['000000010000000000000003', '000000010000000000000004'],
      problems: [],
      targetNotReached: false,
    });
  });

  test('sees a target not reached and WAL damage', () => {
    const facts = readRecoveryLog(
      `${notReachedLog}\n2026-11-21 10:00:00.450 UTC [100] LOG:  invalid magic number 0000 in log segment 000000010000000000000005, offset 0`,
    );
    expect(facts.targetNotReached).toBe(true);
    expect(facts.problems).toHaveLength(2);
  });

  test('restore points and immediate targets', () => {
    expect(
      readRecoveryLog('LOG:  recovery stopping at restore point "before_accident", time 2026-11-21 10:00:03+00')
        .stopKind,
    ).toBe('restore point');
    expect(readRecoveryLog('LOG:  recovery stopping after reaching consistency').stopKind).toBe('consistency');
  });
});

describe('recovery targets', () => {
  test('each target writes its PostgreSQL 12+ setting', () => {
    const parse = (t: object) => recoveryTargetSchema.parse(t);
    expect(recoverySettings(parse({ time: '2026-11-21 10:00:05+00' }))).toEqual({
      recovery_target_time: '2026-11-21 10:00:05+00',
      recovery_target_inclusive: 'on',
      recovery_target_timeline: 'latest',
    });
    expect(recoverySettings(parse({ xid: 745, inclusive: false }))).toMatchObject({
      recovery_target_xid: '745',
      recovery_target_inclusive: 'off',
    });
    expect(recoverySettings(parse({ lsn: '0/4000100' }))).toMatchObject({ recovery_target_lsn: '0/4000100' });
    expect(recoverySettings(parse({ name: 'before_accident' }))).toMatchObject({
      recovery_target_name: 'before_accident',
    });
    expect(recoverySettings(parse({ immediate: true }))).toEqual({
      recovery_target: 'immediate',
      recovery_target_timeline: 'latest',
    });
    expect(recoverySettings(parse({ latest: true }))).toEqual({ recovery_target_timeline: 'latest' });
    expect(recoverySettings(undefined)).toEqual({});
    expect(recoverySettings(parse({ beforeArchiveEnd: '15m' }), new Date('2026-11-21T10:00:00Z'))).toMatchObject({
      recovery_target_time: '2026-11-21T10:00:00.000+00',
    });
  });

  test('one target at a time, and times need a zone', () => {
    expect(recoveryTargetSchema.safeParse({ xid: 1, name: 'x' }).error?.issues[0]?.message).toMatch(
      /give one recovery target, found xid, name/,
    );
    expect(recoveryTargetSchema.safeParse({ time: 'yesterday' }).success).toBe(false);
    expect(describeTarget(undefined)).toBe('latest (end of the archive)');
  });

  test('PostgreSQL times parse', () => {
    expect(parsePgTime('2026-11-21 10:00:04.5+00').toISOString()).toBe('2026-11-21T10:00:04.500Z');
  });
});

describe('recovery report', () => {
  const archive = {
    start: { timeline: 1, number: 3, name: '000000010000000000000003' },
    segments: [3, 4].map((n) => ({
      timeline: 1,
      number: n,
      name: `00000001000000000000000${n}`,
      lastModified: new Date('2026-11-21T10:00:07Z'),
    })),
  };

  test('a time target reached: the stop record is the proof, RPO is the target minus the last commit', () => {
    const report = buildRecoveryReport({
      outcome: { ended: 'promoted', durationMs: 700, log: reachedLog, major: 15 },
      target: recoveryTargetSchema.parse({ time: '2026-11-21 10:00:05+00' }),
      targetTime: new Date('2026-11-21T10:00:05Z'),
      archive,
    });
    expect(report).toMatchObject({
      reached: true,
      rpoSeconds: 0.5,
      segmentsRestored: 2,
      newTimeline: 2,
      archive: { count: 2, missing: [] },
    });
  });

  test('latest that stops before the newest archived segment is not reached (a silent early promotion)', () => {
    const early = reachedLog
      .replace('recovery stopping before commit of transaction 745, time 2026-11-21 10:00:06.123456+00', '')
      .replace('redo done at 0/4000200', 'redo done at 0/3000200');
    const report = buildRecoveryReport({
      outcome: { ended: 'promoted', durationMs: 700, log: early, major: 15 },
      archive,
    });
    expect(report.reached).toBe(false);
  });

  test('a target beyond the archive: the failure names the coverage and the last commit', () => {
    const outcome = { ended: 'died' as const, durationMs: 500, log: notReachedLog, major: 15 };
    const target = recoveryTargetSchema.parse({ time: '2026-11-22 00:00:00+00' });
    const report = buildRecoveryReport({ outcome, target, targetTime: new Date('2026-11-22T00:00:00Z'), archive });
    const error = recoveryFailure(outcome, report);
    expect(error.code).toBe('WAL_TARGET_NOT_REACHED');
    expect(error.message).toMatch(
      /the archive holds 2 segments from the backup on \(000000010000000000000003 … 000000010000000000000004, newest archived 2026-11-21T10:00:07.000Z\); the last commit replayed was at 2026-11-21T10:00:04.500Z, 13h 59m before the target/,
    );
  });
});
