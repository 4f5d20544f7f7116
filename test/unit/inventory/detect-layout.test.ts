import { describe, expect, test } from 'vitest';
import { detectLayout } from '../../../src/init/detect-layout.js';
import { suggestMaxAge, suggestRetention } from '../../../src/init/suggest-checks.js';
import type { ObjectInfo } from '../../../src/storage/object-store.js';

const at = new Date('2026-11-20T02:00:00Z');
const o = (key: string, size = 100): ObjectInfo => ({ key, size, lastModified: at });

describe('detectLayout (key names only)', () => {
  const layout = detectLayout([
    o('db/daily/orders-2026-11-19.dump.gz'),
    o('db/daily/orders-2026-11-20.dump.gz'),
    o('db/daily/users-20261120.sql'),
    o('db/daily/checksums.txt'),
    o('repo/backup/main/backup.info'),
    o('repo/backup/main/20261120-020000F/backup.manifest'),
    o('repo/backup/main/20261120-020000F/pg_data/PG_VERSION.gz'),
    o('repo/archive/main/15-1/0000000100000000/000000010000000000000003-0123456789abcdef0123456789abcdef01234567.gz'),
    o('cnpg/shop-db/base/20261120T020000/backup.info'),
    o('cnpg/shop-db/base/20261120T020000/data.tar'),
    o('cnpg/shop-db/wals/0000000100000000/000000010000000000000004'),
    o('pitr/base/20261120T020000Z/base.tar.gz'),
    o('pitr/base/20261120T020000Z/backup_manifest'),
    o('pitr/wal/000000010000000000000005'),
    o('pitr/wal/000000010000000000000006'),
  ]);

  test('pg_dump families: one per name with the date taken out', () => {
    expect(layout.dumps.map((d) => [d.pattern, d.objects.length, d.datedKeys, d.format])).toEqual([
      ['^db/daily/orders-.*\\.dump\\.gz$', 2, true, undefined],
      ['^db/daily/users-.*\\.sql$', 1, true, 'plain'],
    ]);
  });

  test('pgBackRest, barman-cloud and base backups with their WAL', () => {
    expect(layout.pgbackrest).toEqual([
      {
        path: '/repo',
        stanza: 'main',
        infoKey: 'repo/backup/main/backup.info',
        labels: ['20261120-020000F'],
        walCount: 1,
      },
    ]);
    expect(layout.barman).toEqual([{ prefix: 'cnpg', server: 'shop-db', ids: ['20261120T020000'], walCount: 1 }]);
    expect(layout.basebackups).toEqual([
      { prefix: 'pitr/base/', dirs: ['pitr/base/20261120T020000Z'], walPrefix: 'pitr/wal/' },
    ]);
    expect(layout.unrecognised).toBe(1);
  });
});

describe('suggestions', () => {
  test('maxAge: the median gap plus 10 %, in hours', () => {
    const days = [0, 1, 2, 3].map((d) => new Date(at.getTime() - d * 86_400_000));
    expect(suggestMaxAge(days)).toBe('27h');
    expect(suggestMaxAge([at])).toBe('26h');
  });

  test('retention: the complete periods in a row that already hold a backup', () => {
    const days = Array.from({ length: 20 }, (_, d) => new Date(at.getTime() - d * 86_400_000));
    expect(suggestRetention(days, new Date('2026-11-20T12:00:00Z'))).toEqual({ daily: 19, weekly: 3 });
    expect(suggestRetention([at], new Date('2026-11-20T12:00:00Z'))).toBeUndefined();
  });
});
