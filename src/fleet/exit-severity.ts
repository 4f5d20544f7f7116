import type { DrillResult } from '../results.js';

/**
 * Exit codes from most to least severe: a bug (70), a cancelled run (130), usage (2), infrastructure (3),
 * a bad backup (1). A run, or a merge of shard runs, exits with the most severe code any part had.
 */
const SEVERITY = [70, 130, 2, 3, 1] as const;

export function mostSevereExitCode(codes: readonly number[]): number {
  for (const code of SEVERITY) if (codes.includes(code)) return code;
  // A code pgdrill does not produce itself still fails the run rather than vanish.
  return codes.find((code) => code !== 0) ?? 0;
}

/** The exit code of a run with these drills: a drill that did not pass counts with its error's code (1 without one). */
export function runExitCode(drills: readonly DrillResult[]): number {
  return mostSevereExitCode(drills.map((d) => (d.status === 'passed' ? 0 : (d.error?.exitCode ?? 1))));
}
