import { describe, expect, it } from 'vitest';
import { barmanWalDir, pickBarmanWalObject } from '../../../src/sources/barman-cloud/barman-cloud-wal.js';

const SEG = '000000010000000A000000FE';
const DIR = 'barman/shop-db/wals/000000010000000A';

describe("barman-cloud's WAL layout", () => {
  it('keeps segments, .partial and .backup files under their timeline+log directory, history files in wals/ itself', () => {
    expect(barmanWalDir(SEG)).toBe('000000010000000A');
    expect(barmanWalDir(`${SEG}.partial`)).toBe('000000010000000A');
    expect(barmanWalDir(`${SEG}.00000028.backup`)).toBe('000000010000000A');
    expect(barmanWalDir('00000002.history')).toBe('');
  });

  it('picks a plain segment, or the compressed one barman-cloud-wal-archive wrote, with its compression', () => {
    expect(pickBarmanWalObject(SEG, DIR, [`${DIR}/${SEG}`])).toEqual({ key: `${DIR}/${SEG}`, compression: 'none' });
    for (const [suffix, compression] of [
      ['.gz', 'gzip'],
      ['.bz2', 'bzip2'],
      ['.snappy', 'snappy'],
    ] as const)
      expect(pickBarmanWalObject(SEG, DIR, [`${DIR}/${SEG}${suffix}`])).toEqual({
        key: `${DIR}/${SEG}${suffix}`,
        compression,
      });
  });

  it('as barman-cloud-wal-restore 3.4 does: skips .backup labels and unknown names, takes a .partial, prefers a candidate after an exact match', () => {
    expect(
      pickBarmanWalObject(SEG, DIR, [`${DIR}/${SEG}.00000028.backup`, `${DIR}/${SEG}.junk`, `${DIR}/${SEG}`]),
    ).toEqual({ key: `${DIR}/${SEG}`, compression: 'none' });
    expect(pickBarmanWalObject(SEG, DIR, [`${DIR}/${SEG}.partial.gz`])).toEqual({
      key: `${DIR}/${SEG}.partial.gz`,
      compression: 'gzip',
    });
    expect(pickBarmanWalObject(SEG, DIR, [`${DIR}/${SEG}`, `${DIR}/${SEG}.gz`])).toEqual({
      key: `${DIR}/${SEG}.gz`,
      compression: 'gzip',
    });
  });

  it('finds history files in wals/ and nothing when nothing matches', () => {
    const wals = 'barman/shop-db/wals';
    expect(pickBarmanWalObject('00000002.history', wals, [`${wals}/00000002.history.gz`])).toEqual({
      key: `${wals}/00000002.history.gz`,
      compression: 'gzip',
    });
    expect(pickBarmanWalObject(SEG, DIR, [])).toBeUndefined();
    expect(pickBarmanWalObject(SEG, DIR, [`${DIR}/${SEG}.00000028.backup`])).toBeUndefined();
  });
});
