import { runExitCode } from '../drill/run-suite.js';
import type { RunResult } from '../results.js';
import type { ResolvedSuite } from '../suite/resolved-suite.js';

/**
 * A run of several suites, cut into one run per suite (each suite has its own metrics, history and
 * channels). Drills are matched by name in suite order, so equal names in two suites stay apart.
 */
export function splitRunBySuite(suites: ResolvedSuite[], run: RunResult): { suite: ResolvedSuite; run: RunResult }[] {
  if (suites.length === 1) return [{ suite: suites[0]!, run }];
  const owners = new Map<string, ResolvedSuite[]>();
  for (const suite of suites)
    for (const drill of suite.drills) owners.set(drill.name, [...(owners.get(drill.name) ?? []), suite]);
  const parts = new Map<ResolvedSuite, RunResult['drills']>(suites.map((s) => [s, []]));
  for (const drill of run.drills) {
    const queue = owners.get(drill.name);
    const suite = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
    if (suite) parts.get(suite)!.push(drill);
  }
  return suites
    .filter((suite) => parts.get(suite)!.length > 0)
    .map((suite) => {
      const drills = parts.get(suite)!;
      return {
        suite,
        run: { ...run, suite: { name: suite.name, files: [suite.file] }, drills, exitCode: runExitCode(drills) },
      };
    });
}
