import { z } from 'zod';
import { defineCheck } from './check.js';
import { formatDuration, isDuration, parseDuration } from '../util/duration.js';

const durationText = z.string().refine(isDuration, 'expected a duration like 90s, 15m, 1h30m');

const recoveryOptions = z.strictObject({
  reached: z
    .boolean()
    .default(true)
    .describe('The recovery target must have been reached (for `latest`: every archived segment replayed).'),
  tolerance: durationText.optional().describe('Most time allowed between a time target and the last replayed commit.'),
  maxRpo: durationText
    .optional()
    .describe(
      "Most data loss allowed: the target (or now) minus the last replayed commit. Default: the suite's objectives.rpo.",
    ),
});

export type RecoveryOptions = z.output<typeof recoveryOptions>;

/**
 * Proof of the point reached, from how the server says recovery ended. Physical drills get it even when
 * the suite does not list it.
 */
export const recoveryCheck = defineCheck({
  type: 'recovery',
  description:
    'Proves point-in-time recovery reached its target: the stop record, the last replayed commit, the archive replayed to its end, the achieved RPO.',
  options: recoveryOptions,
  label: () => 'recovery',
  async run({ recovery, objectives }, options) {
    if (!recovery)
      return {
        status: 'failed',
        message: 'this drill restored no physical backup, so there is no recovery to prove',
        expected: 'a physical restore',
        actual: 'a logical restore',
      };
    const problems: string[] = [];
    const point =
      recovery.stopRecord ??
      (recovery.lastCommitTime
        ? `last commit replayed at ${recovery.lastCommitTime}`
        : `redo done at ${recovery.redoDoneAt ?? '?'}`);
    if (options.reached && !recovery.reached) problems.push(`target ${recovery.target} not reached: ${point}`);
    if (options.tolerance && recovery.targetTime && recovery.lastCommitTime) {
      const gap = Math.abs(Date.parse(recovery.targetTime) - Date.parse(recovery.lastCommitTime)) / 1000;
      const limit = parseDuration(options.tolerance);
      if (gap > limit)
        problems.push(
          `the last replayed commit (${recovery.lastCommitTime}) is ${formatDuration(gap)} from the target, more than the tolerance ${options.tolerance}`,
        );
    }
    const maxRpo = options.maxRpo === undefined ? objectives.rpoSeconds : parseDuration(options.maxRpo);
    if (maxRpo !== undefined && recovery.rpoSeconds !== undefined && recovery.rpoSeconds > maxRpo)
      problems.push(
        `achieved RPO ${formatDuration(recovery.rpoSeconds)} is above the objective ${formatDuration(maxRpo)}`,
      );
    const details = [
      `target: ${recovery.target}`,
      `stop: ${recovery.stopRecord ?? '(end of archive)'}`,
      `last replayed commit: ${recovery.lastCommitTime ?? 'none seen'}`,
      `redo done at: ${recovery.redoDoneAt ?? '?'}; new timeline: ${recovery.newTimeline ?? '?'}`,
      `archive: ${recovery.archive.count} segments ${recovery.archive.first ?? '?'} … ${recovery.archive.last ?? '?'}; ${recovery.segmentsRestored} fetched; replay ${recovery.replaySeconds.toFixed(1)} s`,
      ...(recovery.rpoSeconds === undefined ? [] : [`achieved RPO: ${formatDuration(recovery.rpoSeconds)}`]),
    ];
    return {
      status: problems.length ? 'failed' : 'passed',
      message: problems.length ? problems.join('; ') : `reached ${recovery.target}: ${point}`,
      expected: `target ${recovery.target} reached${maxRpo === undefined ? '' : `, RPO <= ${formatDuration(maxRpo)}`}`,
      actual: point,
      details,
    };
  },
});
