import { z } from 'zod';
import { describeBackup, requireInventory } from '../inventory/inventory.js';
import { formatBytes } from '../storage/pick-backup.js';
import { defineCheck } from './check.js';

const sizeOptions = z
  .strictObject({
    minRatio: z
      .number()
      .positive()
      .default(0.5)
      .describe('The newest backup must be at least this fraction of the median size of its predecessors.'),
    maxRatio: z
      .number()
      .positive()
      .optional()
      .describe('…and at most this multiple of it (a sudden growth is suspicious too).'),
    last: z.number().int().positive().default(7).describe('How many predecessors the median is taken over.'),
    minBytes: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('Absolute floor: the newest backup must hold at least this many bytes (runbooks say 1000).'),
  })
  .refine((o) => o.maxRatio === undefined || o.maxRatio >= o.minRatio, 'maxRatio must not be below minRatio');

export type SizeOptions = z.output<typeof sizeOptions>;

export const sizeCheck = defineCheck({
  type: 'size',
  kind: 'inventory',
  description:
    'Inventory (no restore): the newest backup is not suspiciously small next to the median of its last N predecessors, and not below an absolute floor. pgBackRest sets are compared by database size, so an incremental compares fairly with a full.',
  options: sizeOptions,
  label: (o) => `size >= ${o.minRatio} x median of last ${o.last}${o.minBytes > 0 ? `, >= ${o.minBytes} bytes` : ''}`,
  async run(context, options) {
    const inventory = requireInventory(context.inventory, 'size');
    const newest = inventory.backups.at(-1);
    if (!newest)
      return {
        status: 'failed',
        message: `no backup found: ${inventory.where}`,
        expected: 'a backup',
        actual: 'no backup',
        details: inventory.ignored,
      };
    if (newest.size === undefined)
      return {
        status: 'failed',
        message: `the size of the newest backup ${newest.id} is unknown: ${inventory.where} does not say`,
        expected: 'a known size',
        actual: 'unknown',
      };
    const before = inventory.backups
      .slice(0, -1)
      .filter((b) => b.size !== undefined)
      .slice(-options.last);
    const median = medianOf(before.map((b) => b.size!));
    const problems: string[] = [];
    if (newest.size < options.minBytes)
      problems.push(`${formatBytes(newest.size)} is below the floor of ${options.minBytes} bytes`);
    if (median !== undefined && median > 0) {
      const ratio = newest.size / median;
      if (ratio < options.minRatio)
        problems.push(
          `${formatBytes(newest.size)} is ${ratio.toFixed(2)} x the median ${formatBytes(median)} of the last ${before.length}, below ${options.minRatio}`,
        );
      if (options.maxRatio !== undefined && ratio > options.maxRatio)
        problems.push(
          `${formatBytes(newest.size)} is ${ratio.toFixed(2)} x the median ${formatBytes(median)} of the last ${before.length}, above ${options.maxRatio}`,
        );
    }
    const compared =
      median === undefined
        ? 'no predecessor to compare with'
        : `${(newest.size / Math.max(median, 1)).toFixed(2)} x the median ${formatBytes(median)} of the last ${before.length}`;
    const expected = [
      `>= ${options.minRatio} x median of last ${options.last}`,
      options.maxRatio === undefined ? '' : `<= ${options.maxRatio} x median`,
      options.minBytes > 0 ? `>= ${options.minBytes} bytes` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return {
      status: problems.length > 0 ? 'failed' : 'passed',
      message:
        problems.length > 0
          ? `the newest backup ${newest.id} is suspicious: ${problems.join('; ')}`
          : `the newest backup ${newest.id} holds ${formatBytes(newest.size)}, ${compared}`,
      expected,
      actual: `${newest.size} bytes (${compared})`,
      details: [`newest: ${describeBackup(newest)}`, ...before.reverse().map((b) => `before: ${describeBackup(b)}`)],
    };
  },
});

export function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
