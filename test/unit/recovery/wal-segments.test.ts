import { describe, expect, test } from 'vitest';
import {
  parseLsn,
  parseSegmentKey,
  segmentName,
  segmentOfLsn,
  walCoverage,
} from '../../../src/recovery/wal-segments.js';

describe('WAL segment names', () => {
  test('raw, gzip, pgBackRest and barman keys parse to the same segment', () => {
    for (const key of [
      'wal/000000010000000000000003',
      'wal-gz/000000010000000000000003.gz',
      'pgbackrest/archive/main/15-1/0000000100000000/000000010000000000000003-0123456789abcdef0123456789abcdef01234567.gz',
      'barman/pg/wals/0000000100000000/000000010000000000000003.gz',
    ])
      expect(parseSegmentKey(key)).toEqual({ timeline: 1, number: 3, name: '000000010000000000000003' });
  });

  test('history, backup and partial files are not segments', () => {
    expect(parseSegmentKey('wal/00000002.history')).toBeUndefined();
    expect(parseSegmentKey('wal/000000010000000000000002.00000028.backup')).toBeUndefined();
    expect(parseSegmentKey('wal/000000010000000000000004.partial')).toBeUndefined();
  });

  test('segment numbers cross the 4 GiB log boundary', () => {
    expect(parseSegmentKey('000000010000000100000000')!.number).toBe(256);
    expect(segmentName(1, 256)).toBe('000000010000000100000000');
    expect(segmentName(2, 255)).toBe('0000000200000000000000FF');
  });

  test('LSNs map to their segment', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(segmentOfLsn('0/3000060')).toBe(3);
    expect(segmentOfLsn('1/0')).toBe(256);
  });
});

describe('walCoverage', () => {
  const segs = (...numbers: number[]) => numbers.map((n) => ({ timeline: 1, number: n, name: segmentName(1, n) }));

  test('a continuous archive from the backup start has no missing segment', () => {
    const c = walCoverage(segs(1, 2, 3, 4, 5), { from: 2, timeline: 1 });
    expect(c).toMatchObject({ missing: [], count: 4, first: { number: 2 }, last: { number: 5 } });
  });

  test('a deleted segment is named', () => {
    expect(walCoverage(segs(2, 3, 5, 6), { from: 2, timeline: 1 }).missing).toEqual(['000000010000000000000004']);
  });

  test('an LSN target only needs segments up to it', () => {
    expect(walCoverage(segs(2, 3, 6), { from: 2, to: 3, timeline: 1 }).missing).toEqual([]);
  });

  test('a missing first segment is named', () => {
    expect(walCoverage(segs(3, 4), { from: 2, timeline: 1 }).missing).toEqual(['000000010000000000000002']);
  });
});
