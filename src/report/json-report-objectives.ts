import type { DrillResult } from '../results.js';
import type { ObjectiveReport } from './report-schema.js';

/**
 * RTO and RPO as achieved against the suite's objectives. RTO: drill start until the restored database
 * was ready for checks. RPO: for a physical restore, the target (or now) minus the last replayed commit;
 * for a logical one, the age of the backup when the drill started (the oldest archive, when there are
 * several: the data is only as fresh as its stalest part).
 */
export function drillObjectives(
  drill: DrillResult,
  ages: (number | undefined)[],
): { rto: ObjectiveReport; rpo: ObjectiveReport } {
  const rto = objective(
    drill.objectives?.rtoSeconds,
    drill.restoreSeconds,
    'drill start until the restored database was ready for checks',
  );
  if (drill.recovery)
    return {
      rto,
      rpo: objective(
        drill.objectives?.rpoSeconds,
        drill.recovery.rpoSeconds,
        'recovery target (or end of archive) minus the last replayed commit',
      ),
    };
  const known = ages.filter((a): a is number => a !== undefined);
  const age = known.length > 0 && known.length === ages.length ? Math.max(...known) : undefined;
  return { rto, rpo: objective(drill.objectives?.rpoSeconds, age, 'age of the backup when the drill started') };
}

function objective(
  objectiveSeconds: number | undefined,
  achievedSeconds: number | undefined,
  basis: string,
): ObjectiveReport {
  const status =
    objectiveSeconds === undefined
      ? 'no-objective'
      : achievedSeconds === undefined
        ? 'not-measured'
        : achievedSeconds <= objectiveSeconds
          ? 'met'
          : 'missed';
  return {
    ...(objectiveSeconds === undefined ? {} : { objectiveSeconds }),
    ...(achievedSeconds === undefined ? {} : { achievedSeconds: round(achievedSeconds) }),
    status,
    basis,
  };
}

function round(seconds: number): number {
  return Math.round(Math.max(0, seconds) * 1000) / 1000;
}
