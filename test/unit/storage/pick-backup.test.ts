import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import type { ObjectInfo } from '../../../src/storage/object-store.js';
import { dateInKey, pickBackup } from '../../../src/storage/pick-backup.js';

const where = 's3://prod-backups/daily/';

function object(key: string, lastModified = '2026-01-01T00:00:00Z', size = 1000): ObjectInfo {
  return { key, size, lastModified: new Date(lastModified) };
}

function pickError(run: () => unknown): SourceError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected pickBackup to throw');
}

describe('dateInKey', () => {
  it.each([
    ['daily/db-2026-11-20.dump', '2026-11-20T00:00:00.000Z'],
    ['daily/db-20261120.dump', '2026-11-20T00:00:00.000Z'],
    ['daily/db-2026-11-20T14-30-00.dump', '2026-11-20T14:30:00.000Z'],
    ['daily/db-2026-11-20T143000Z.dump', '2026-11-20T14:30:00.000Z'],
    ['daily/db-20261120T143000.dump', '2026-11-20T14:30:00.000Z'],
    ['daily/db_2026-11-20_14-30-00.sql.gz', '2026-11-20T14:30:00.000Z'],
    ['daily/db 2026-11-20 14:30:00.dump', '2026-11-20T14:30:00.000Z'],
    ['daily/db-2026-11-20T14:30:00.250Z.dump', '2026-11-20T14:30:00.000Z'],
    ['daily/db-20261120143000.dump', '2026-11-20T14:30:00.000Z'],
  ])('reads %s', (key, iso) => {
    expect(dateInKey(key)?.toISOString()).toBe(iso);
  });

  it('prefers the last date with a time when a key holds several', () => {
    expect(dateInKey('2026-11-19/db-2026-11-20T143000Z.dump')?.toISOString()).toBe('2026-11-20T14:30:00.000Z');
    expect(dateInKey('2026-11-19/2026-11-20/db.dump')?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
  });

  it.each([
    'daily/db.dump',
    'wal/000000010000000000000003', // a WAL segment name is digits, not a date
    'daily/db-2026-02-30.dump', // no such day
    'daily/db-2026-13-01.dump',
    'daily/db-2026-1120.dump', // mixed separators
    'daily/db-12345678.dump', // year 1234
  ])('finds no date in %s', (key) => {
    expect(dateInKey(key)).toBeUndefined();
  });
});

describe('pickBackup', () => {
  const objects = [
    object('daily/db-2026-11-18.dump', '2026-11-18T01:00:00Z'),
    object('daily/db-2026-11-20.dump', '2026-11-19T01:00:00Z'), // uploaded late: mtime order differs from key order
    object('daily/db-2026-11-19.dump', '2026-11-20T01:00:00Z'),
    object('daily/db-2026-11-21.sha256', '2026-11-21T01:00:00Z'),
  ];

  it('picks the latest and the oldest by modification time', () => {
    expect(pickBackup(objects, { pick: 'latest', where }).key).toBe('daily/db-2026-11-21.sha256');
    expect(pickBackup(objects, { pick: 'oldest', where }).key).toBe('daily/db-2026-11-18.dump');
  });

  it('filters by pattern', () => {
    expect(pickBackup(objects, { pick: 'latest', pattern: /\.dump$/, where }).key).toBe('daily/db-2026-11-19.dump');
  });

  it('is not fooled by a global pattern (stateful RegExp.test)', () => {
    const pattern = /\.dump$/g;
    expect(pickBackup(objects, { pick: 'latest', pattern, where }).key).toBe('daily/db-2026-11-19.dump');
    expect(pickBackup(objects, { pick: 'latest', pattern, where }).key).toBe('daily/db-2026-11-19.dump');
  });

  it('orders by the date in the key when asked, excluding keys without one', () => {
    const withUndated = [...objects, object('daily/README', '2030-01-01T00:00:00Z')];
    expect(pickBackup(withUndated, { pick: 'latest', pattern: /\.dump$|README/, orderBy: 'keyDate', where }).key).toBe(
      'daily/db-2026-11-20.dump',
    );
    expect(pickBackup(withUndated, { pick: 'oldest', orderBy: 'keyDate', where }).key).toBe('daily/db-2026-11-18.dump');
  });

  it('breaks ties by key', () => {
    const same = '2026-11-20T00:00:00Z';
    const tied = [object('b.dump', same), object('c.dump', same), object('a.dump', same)];
    expect(pickBackup(tied, { pick: 'latest', where }).key).toBe('c.dump');
    expect(pickBackup(tied, { pick: 'oldest', where }).key).toBe('a.dump');
    const keyTied = [object('x/db-2026-11-20.dump'), object('y/db-20261120.dump')];
    expect(pickBackup(keyTied, { pick: 'latest', orderBy: 'keyDate', where }).key).toBe('y/db-20261120.dump');
  });

  it('returns an exact key', () => {
    expect(pickBackup(objects, { pick: { key: 'daily/db-2026-11-19.dump' }, where })).toEqual(objects[2]);
  });

  it('names where, the pattern and the keys found when nothing matches', () => {
    const error = pickError(() => pickBackup(objects, { pick: 'latest', pattern: /\.tar\.gz$/, where }));
    expect(error.code).toBe('BACKUP_NOT_FOUND');
    expect(error.message).toContain(where);
    expect(error.message).toContain('/\\.tar\\.gz$/');
    expect(error.message).toContain('4 objects found');
    expect(error.details[0]).toBe('found 4 objects:');
    // newest first, with size and date
    expect(error.details[1]).toBe('daily/db-2026-11-21.sha256 (1000 bytes, 2026-11-21T01:00:00.000Z)');
    expect(error.details).toHaveLength(5);
    expect(error.hint).toMatch(/pattern/);
  });

  it('lists at most 20 keys then says how many more', () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      object(
        `daily/file-${String(i).padStart(2, '0')}.txt`,
        `2026-11-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
        3 * 1024 * 1024,
      ),
    );
    const error = pickError(() => pickBackup(many, { pick: 'latest', pattern: /\.dump$/, where }));
    expect(error.details).toHaveLength(22);
    expect(error.details[1]).toBe('daily/file-24.txt (3.0 MiB, 2026-11-25T00:00:00.000Z)');
    expect(error.details.at(-1)).toBe('and 5 more');
  });

  it('says the location is empty', () => {
    const error = pickError(() => pickBackup([], { pick: 'latest', where }));
    expect(error.message).toBe(`No backup in ${where}: the location is empty (0 objects)`);
    expect(error.details).toEqual([]);
    expect(error.hint).toMatch(/bucket and prefix/);
  });

  it('counts keys without a date under orderBy keyDate', () => {
    const error = pickError(() =>
      pickBackup([object('daily/a.dump'), object('daily/b.dump')], { pick: 'latest', orderBy: 'keyDate', where }),
    );
    expect(error.message).toContain('2 objects match, but none has a date in its key');
    expect(error.hint).toMatch(/orderBy: lastModified/);
  });

  it('lists the closest keys when an exact key is missing', () => {
    const error = pickError(() => pickBackup(objects, { pick: { key: 'daily/db-2026-11-22.dump' }, where }));
    expect(error.code).toBe('BACKUP_NOT_FOUND');
    expect(error.message).toBe(`The backup daily/db-2026-11-22.dump does not exist in ${where} (4 objects there)`);
    expect(error.details[0]).toBe('closest keys:');
    expect(error.details[1]).toMatch(/^daily\/db-2026-11-2[01]\.dump \(/);
    expect(error.details).toHaveLength(5);
  });
});
