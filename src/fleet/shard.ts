import { ConfigError } from '../errors.js';

/** One shard of a run: `index` is 1-based, `count` the number of shards. */
export interface ShardSpec {
  index: number;
  count: number;
}

const SHARD = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/** `--shard 2/4` → { index: 2, count: 4 }; anything else is a usage error (exit 2). */
export function parseShard(text: string): ShardSpec {
  const match = SHARD.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new ConfigError(
      'INVALID_SHARD',
      `--shard ${JSON.stringify(text)} is not a shard: expected i/n with 1 <= i <= n, e.g. 1/4`,
      {
        hint: 'shards are numbered from 1: run --shard 1/n, 2/n, … n/n, one per machine',
      },
    );
  return { index, count };
}

/**
 * The drills of one shard. The rule (documented in docs/fleet.md): the selected drills are numbered 0, 1, 2 …
 * in suite order (files in the order given, then drills in file order, after --only); drill k belongs to
 * shard (k mod n) + 1. Every drill is in exactly one shard, shard sizes differ by at most one, and the
 * split depends only on the suite, so every machine computes the same one.
 */
export function selectShard<T>(items: readonly T[], shard: ShardSpec | undefined): T[] {
  if (!shard) return [...items];
  return items.filter((_, k) => k % shard.count === shard.index - 1);
}

/** Where the drill at `position` in shard `shard` stood in the unsharded suite order (the inverse of selectShard). */
export function suitePosition(shard: ShardSpec, position: number): number {
  return position * shard.count + (shard.index - 1);
}

export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}
