import { describe, expect, test } from 'vitest';
import { listBackupDirs } from '../../../src/sources/basebackup/backup-dir.js';
import type { ObjectInfo, ObjectStore } from '../../../src/storage/object-store.js';

// Listings as a sync of backups to S3 leaves them: one object per file, in any upload order.
function storeOf(keys: Array<[string, number]>): ObjectStore {
  const objects: ObjectInfo[] = keys.map(([key, second]) => ({ key, size: 1, lastModified: new Date(second * 1000) }));
  return {
    kind: 's3',
    description: 's3://backups',
    list: async (prefix) => objects.filter((o) => o.key.startsWith(prefix)),
  } as ObjectStore;
}

describe('listBackupDirs', () => {
  test("a plain copy's database directories (base/<oid>/PG_VERSION) are not backups of their own", async () => {
    const store = storeOf([
      ['chain/full/base.tar.gz', 1],
      ['chain/incr1/PG_VERSION', 2],
      ['chain/incr1/base/1/PG_VERSION', 9],
      ['chain/incr1/base/5/PG_VERSION', 8],
      ['chain/incr1/global/pg_control', 2],
      ['chain/incr2/base.tar', 3],
    ]);
    const dirs = await listBackupDirs(store, 'chain/');
    expect(dirs.map((d) => d.key).sort()).toEqual(['chain/full', 'chain/incr1', 'chain/incr2']);
    expect(dirs.find((d) => d.key === 'chain/incr1')?.lastModified.getTime()).toBe(2000);
  });

  test('sibling directories whose names share a start are both backups', async () => {
    const store = storeOf([
      ['b/full/PG_VERSION', 1],
      ['b/full-2/PG_VERSION', 2],
    ]);
    expect((await listBackupDirs(store, 'b/')).map((d) => d.key)).toEqual(['b/full', 'b/full-2']);
  });
});
