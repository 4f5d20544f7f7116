import { ConfigError } from '../errors.js';
import type { DrillResult, RunResult } from '../results.js';
import { mostSevereExitCode, runExitCode } from './exit-severity.js';
import { formatShard, suitePosition } from './shard.js';

/**
 * One RunResult from the results of several shards (or several partial runs) of one suite: drills back in
 * suite order, the earliest start, the latest end, the most severe exit code. Refuses what cannot be one
 * run: different suites, a drill in two results (overlapping shards), shards of different splits, a shard
 * given twice or missing. `labels` name the inputs in messages (file names); by default `result 1`, ….
 */
export function mergeRunResults(
  results: readonly RunResult[],
  labels: readonly string[] = results.map((_, i) => `result ${i + 1}`),
): RunResult {
  if (results.length === 0)
    throw new ConfigError('NOTHING_TO_MERGE', 'no run results were given to merge', {
      hint: 'pass the JSON file each shard wrote with --json',
    });
  const named = results.map((result, i) => ({ result, label: labels[i] ?? `result ${i + 1}` }));
  assertOneSuite(named);
  assertNoOverlap(named);
  assertShardsComplete(named);
  const drills = orderDrills(named.map((n) => n.result));
  const startedAt = earliest(results.map((r) => r.startedAt));
  const finishedAt = latest(results.map((r) => r.finishedAt));
  return {
    suite: { name: results[0]!.suite.name, files: results[0]!.suite.files },
    startedAt,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
    drills,
    exitCode: mostSevereExitCode([...results.map((r) => r.exitCode), runExitCode(drills)]),
  };
}

interface Named {
  result: RunResult;
  label: string;
}

function assertOneSuite(named: Named[]): void {
  const suites = new Set(named.map((n) => n.result.suite.name));
  if (suites.size > 1)
    throw new ConfigError(
      'MIXED_SUITES',
      `the results are of ${suites.size} different suites; merge-reports merges the shards of one suite`,
      {
        details: named.map((n) => `${n.label}: suite "${n.result.suite.name}"`),
        hint: "merge each suite's shard results separately",
      },
    );
}

function assertNoOverlap(named: Named[]): void {
  const seen = new Map<string, string>();
  const overlaps: string[] = [];
  for (const { result, label } of named) {
    for (const name of new Set(result.drills.map((d) => d.name))) {
      const first = seen.get(name);
      if (first !== undefined) overlaps.push(`drill ${name} is in ${first} and in ${label}`);
      else seen.set(name, label);
    }
  }
  if (overlaps.length > 0)
    throw new ConfigError(
      'OVERLAPPING_RESULTS',
      `${overlaps.length} drill${overlaps.length === 1 ? ' appears' : 's appear'} in more than one result: the shards overlap`,
      {
        details: overlaps,
        hint: "give each shard's result once, from one run of --shard 1/n … n/n with the same n (a re-run shard replaces its old result)",
      },
    );
}

function assertShardsComplete(named: Named[]): void {
  const sharded = named.filter((n) => n.result.shard);
  if (sharded.length === 0) return;
  const describe = (n: Named) =>
    `${n.label}: ${n.result.shard ? `shard ${formatShard(n.result.shard)}` : 'not sharded'}`;
  const counts = new Set(named.map((n) => n.result.shard?.count));
  if (counts.size > 1 || sharded.length < named.length)
    throw new ConfigError(
      'MIXED_SHARDING',
      'the results come from different splits of the suite (or mix sharded and unsharded runs)',
      {
        details: named.map(describe),
        hint: 'merge the results of one sharded run: every shard with the same n',
      },
    );
  const count = sharded[0]!.result.shard!.count;
  const byIndex = new Map<number, Named[]>();
  for (const n of sharded) byIndex.set(n.result.shard!.index, [...(byIndex.get(n.result.shard!.index) ?? []), n]);
  const twice = [...byIndex.entries()].filter(([, list]) => list.length > 1);
  if (twice.length > 0)
    throw new ConfigError('SHARD_GIVEN_TWICE', `shard ${twice[0]![0]}/${count} is given more than once`, {
      details: twice.flatMap(([, list]) => list.map(describe)),
      hint: "give each shard's result once",
    });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new ConfigError(
      'SHARDS_MISSING',
      `${missing.length} of ${count} shards have no result: ${missing.map((i) => `${i}/${count}`).join(', ')}`,
      {
        details: named.map(describe),
        hint: 'the job of each missing shard wrote no JSON (see its log); the merged report must cover the whole suite, so re-run those shards',
      },
    );
}

/** Sharded results go back to suite order (the inverse of the shard rule); others stay in the order given. */
function orderDrills(results: RunResult[]): DrillResult[] {
  const placed = results.flatMap((result, r) =>
    result.drills.map((drill, position) => ({
      drill,
      key: result.shard ? suitePosition(result.shard, position) : 0,
      r,
      position,
    })),
  );
  return placed.sort((a, b) => a.key - b.key || a.r - b.r || a.position - b.position).map((p) => p.drill);
}

function earliest(times: string[]): string {
  return times.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

function latest(times: string[]): string {
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}
