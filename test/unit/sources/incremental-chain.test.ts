import { describe, expect, test } from 'vitest';
import { isDrillError } from '../../../src/errors.js';
import { basebackupOptionsSchema } from '../../../src/sources/basebackup/basebackup-options.js';
import {
  checkChain,
  discoverChain,
  extendChain,
  orderChain,
  type ChainMember,
} from '../../../src/sources/basebackup/incremental-chain.js';
import { parseBackupLabel } from '../../../src/sources/basebackup/incremental-label.js';

// backup_label as pg_basebackup 17 writes it (the INCREMENTAL lines only with --incremental).
const label = (start: string, segment: string, from?: string) =>
  parseBackupLabel(
    [
      `START WAL LOCATION: ${start} (file ${segment})`,
      'CHECKPOINT LOCATION: 0/2000080',
      'BACKUP METHOD: streamed',
      'BACKUP FROM: primary',
      'START TIME: 2026-12-05 10:00:00 UTC',
      'LABEL: pg_basebackup base backup',
      'START TIMELINE: 1',
      ...(from ? [`INCREMENTAL FROM LSN: ${from}`, 'INCREMENTAL FROM TLI: 1'] : []),
      '',
    ].join('\n'),
  )!;

const full: ChainMember = { key: 'b/full', label: label('0/2000028', '000000010000000000000002'), systemId: '7' };
const incr1: ChainMember = {
  key: 'b/incr1',
  label: label('0/5000028', '000000010000000000000005', '0/2000028'),
  systemId: '7',
};
const incr2: ChainMember = {
  key: 'b/incr2',
  label: label('0/8000060', '000000010000000000000008', '0/5000028'),
  systemId: '7',
};

function chainError(fn: () => unknown): { code: string; message: string; details: string[] } {
  try {
    fn();
  } catch (error) {
    if (isDrillError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected an error');
}

describe('backup_label of PostgreSQL 17', () => {
  test('a full backup has no parent; an incremental names its parent by LSN and timeline', () => {
    expect(full.label).toEqual({ startLsn: '0/2000028', startSegment: '000000010000000000000002', startTimeline: 1 });
    expect(incr1.label.incrementalFrom).toEqual({ lsn: '0/2000028', timeline: 1 });
  });

  test('text without a start location is not a label', () => {
    expect(parseBackupLabel('hello')).toBeUndefined();
  });
});

describe('checkChain', () => {
  test('full, then each incremental on the one before: accepted', () => {
    expect(() => checkChain([full, incr1, incr2], 's3://b')).not.toThrow();
  });

  test('a missing middle incremental names the backup whose parent is absent and the LSN it needs', () => {
    const error = chainError(() => checkChain([full, incr2], 's3://b'));
    expect(error.code).toBe('BACKUP_CHAIN_BROKEN');
    expect(error.message).toContain('s3://b/b/incr2 builds on a backup that started at LSN 0/5000028 on timeline 1');
    expect(error.message).toContain('b/full, started at 0/2000028');
    expect(error.message).toContain('an incremental between them is missing');
  });

  test('incrementals out of order are refused, with the order they belong in', () => {
    const error = chainError(() => checkChain([full, incr2, incr1], 's3://b'));
    expect(error.code).toBe('BACKUP_CHAIN_BROKEN');
    expect(error.message).toContain('the chain is out of order: s3://b/b/incr2 builds on b/incr1');
    expect(error.details).toEqual(['in order: b/full ← b/incr1 ← b/incr2']);
  });

  test('a chain that starts with an incremental, or lists a second full backup, is refused', () => {
    expect(chainError(() => checkChain([incr1, incr2], 's3://b')).message).toContain(
      'is an incremental backup (INCREMENTAL FROM LSN 0/2000028), not a full one',
    );
    expect(chainError(() => checkChain([full, full], 's3://b')).message).toContain('is a full backup');
  });

  test('a backup of another cluster is refused', () => {
    const other = { ...incr1, systemId: '8' };
    expect(chainError(() => checkChain([full, other], 's3://b')).message).toContain('comes from another cluster');
  });

  test('orderChain sorts one chain and gives up on two', () => {
    expect(orderChain([incr2, full, incr1])?.map((m) => m.key)).toEqual(['b/full', 'b/incr1', 'b/incr2']);
    expect(orderChain([incr2, full])).toBeUndefined();
  });
});

describe('discoverChain', () => {
  const members = new Map([full, incr1, incr2].map((m) => [m.key, m]));
  const read = async (key: string) => members.get(key);

  test('walks from the newest back to the full backup, reading labels lazily', async () => {
    const reads: string[] = [];
    const chain = await discoverChain({
      newest: incr2,
      candidates: ['b/incr1', 'b/full'],
      read: async (key) => (reads.push(key), read(key)),
      where: 's3://b/b/',
    });
    expect(chain.map((m) => m.key)).toEqual(['b/full', 'b/incr1', 'b/incr2']);
    expect(reads).toEqual(['b/incr1', 'b/full']);
  });

  test('a deleted parent is named by the LSN no backup under the prefix starts at', async () => {
    await expect(
      discoverChain({ newest: incr2, candidates: ['b/full'], read, where: 's3://b/b/' }),
    ).rejects.toMatchObject({
      code: 'BACKUP_CHAIN_BROKEN',
      message: expect.stringContaining(
        'b/incr2 builds on a backup that started at LSN 0/5000028 on timeline 1, and no backup under s3://b/b/ started there',
      ),
    });
  });
});

describe('basebackup.incrementals in a suite', () => {
  const parse = (extra: Record<string, unknown>) =>
    basebackupOptionsSchema.safeParse({ store: 's', wal: { prefix: 'wal/' }, ...extra });

  test('a list on top of key, or discover with key or prefix', () => {
    expect(parse({ key: 'full', incrementals: ['incr1', 'incr2'] }).success).toBe(true);
    expect(parse({ prefix: 'b/', incrementals: 'discover' }).success).toBe(true);
    expect(parse({ key: 'b/incr2', incrementals: 'discover' }).success).toBe(true);
  });

  test('a list with prefix, an empty list or another word is refused with the reason', () => {
    const withPrefix = parse({ prefix: 'b/', incrementals: ['incr1'] });
    expect(withPrefix.error?.issues[0]).toMatchObject({
      path: ['incrementals'],
      message: expect.stringContaining('with `prefix`, use `incrementals: discover`'),
    });
    expect(parse({ key: 'full', incrementals: [] }).success).toBe(false);
    expect(parse({ key: 'full', incrementals: 'auto' }).success).toBe(false);
  });
});

describe('extendChain (pick: latest by object time)', () => {
  const byKey = (members: ChainMember[]) => async (key: string) => members.find((m) => m.key === key);
  const incr2b: ChainMember = {
    key: 'b/incr2-again',
    label: label('0/9000028', '000000010000000000000009', '0/5000028'),
    systemId: '7',
  };

  test('a full backup whose object is the newest is followed by the incrementals taken on top of it', async () => {
    const chain = await extendChain([full], ['b/incr2', 'b/incr1', 'b/other'], byKey([incr1, incr2]));
    expect(chain.map((m) => m.key)).toEqual(['b/full', 'b/incr1', 'b/incr2']);
  });

  test('the newest backup of its chain stays the tip; of two on one parent, the later start wins', async () => {
    expect((await extendChain([full, incr1, incr2], ['b/full'], byKey([full]))).map((m) => m.key)).toEqual([
      'b/full',
      'b/incr1',
      'b/incr2',
    ]);
    const chain = await extendChain([full, incr1], ['b/incr2', 'b/incr2-again'], byKey([incr2, incr2b]));
    expect(chain.map((m) => m.key)).toEqual(['b/full', 'b/incr1', 'b/incr2-again']);
  });
});
