import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeBackup, requireInventory, type BackupInventory } from '../inventory/inventory.js';
import { formatDuration, isDuration, parseDuration } from '../util/duration.js';
import { defineCheck, type CheckOutcome } from './check.js';

const age = () =>
  z
    .union([z.string(), z.number().nonnegative()])
    .refine(isDuration, 'expected a duration like 15m, 26h, 2d or a number of seconds');

const freshnessOptions = z
  .strictObject({
    maxAge: age()
      .optional()
      .describe('The newest backup must have finished less than this long ago, e.g. `26h` for a nightly backup.'),
    walMaxAge: age()
      .optional()
      .describe('The newest archived WAL segment must be younger than this, e.g. `15m` (physical sources only).'),
  })
  .refine((o) => o.maxAge !== undefined || o.walMaxAge !== undefined, 'give maxAge, walMaxAge or both');

export type FreshnessOptions = z.output<typeof freshnessOptions>;

export const freshnessCheck = defineCheck({
  type: 'freshness',
  kind: 'inventory',
  description:
    'Inventory (no restore): the newest backup, and the newest archived WAL segment, are younger than a limit.',
  options: freshnessOptions,
  label: (o) =>
    [
      'freshness',
      o.maxAge === undefined ? '' : `backup < ${o.maxAge}`,
      o.walMaxAge === undefined ? '' : `WAL < ${o.walMaxAge}`,
    ]
      .filter(Boolean)
      .join(' '),
  async run(context, options) {
    const inventory = requireInventory(context.inventory, 'freshness');
    const now = context.now ?? new Date();
    const parts: Part[] = [];
    if (options.maxAge !== undefined) parts.push(backupPart(inventory, parseDuration(options.maxAge), now));
    if (options.walMaxAge !== undefined) parts.push(walPart(inventory, parseDuration(options.walMaxAge), now));
    return combine(parts);
  },
});

type Part = Required<Pick<CheckOutcome, 'status' | 'message' | 'expected' | 'actual'>> & { details: string[] };

function backupPart(inventory: BackupInventory, limit: number, now: Date): Part {
  const expected = `newest backup younger than ${formatDuration(limit)}`;
  const newest = inventory.backups.at(-1);
  if (!newest)
    return {
      status: 'failed',
      expected,
      actual: 'no backup',
      message: `no backup found: ${inventory.where}`,
      details: [...(inventory.status ? [inventory.status] : []), ...inventory.ignored],
    };
  const seconds = (now.getTime() - newest.time.getTime()) / 1000;
  const ok = seconds <= limit;
  return {
    status: ok ? 'passed' : 'failed',
    expected,
    actual: `${formatDuration(Math.max(0, seconds))} old`,
    message: `the newest backup ${newest.id} finished ${formatDuration(Math.max(0, seconds))} ago (${newest.time.toISOString()}, ${inventory.timeFrom}); ${ok ? 'within' : 'older than'} the limit of ${formatDuration(limit)}`,
    details: [`newest: ${describeBackup(newest)}`, `${inventory.backups.length} backups in ${inventory.where}`],
  };
}

function walPart(inventory: BackupInventory, limit: number, now: Date): Part {
  if (!inventory.wal)
    throw new ConfigError(
      'WAL_NOT_ARCHIVED_BY_SOURCE',
      `walMaxAge needs a source with a WAL archive; ${inventory.where} has none`,
      { hint: 'remove walMaxAge from this drill, or check a pgbackrest, basebackup or barmanCloud source' },
    );
  const expected = `newest WAL younger than ${formatDuration(limit)}`;
  const newest = inventory.wal.newest;
  if (!newest)
    return {
      status: 'failed',
      expected,
      actual: 'no WAL segment',
      message: `no WAL segment archived: ${inventory.where}`,
      details: [],
    };
  const seconds = (now.getTime() - newest.at.getTime()) / 1000;
  const ok = seconds <= limit;
  return {
    status: ok ? 'passed' : 'failed',
    expected,
    actual: `${formatDuration(Math.max(0, seconds))} old`,
    message: `the newest archived WAL segment ${newest.name} was stored ${formatDuration(Math.max(0, seconds))} ago (${newest.at.toISOString()}); ${ok ? 'within' : 'older than'} the limit of ${formatDuration(limit)}`,
    details: [`${inventory.wal.count} segments archived`],
  };
}

function combine(parts: Part[]): CheckOutcome {
  const failed = parts.filter((p) => p.status === 'failed');
  return {
    status: failed.length > 0 ? 'failed' : 'passed',
    message: (failed.length > 0 ? failed : parts).map((p) => p.message).join('; '),
    expected: parts.map((p) => p.expected).join('; '),
    actual: parts.map((p) => p.actual).join('; '),
    details: parts.flatMap((p) => p.details),
  };
}
