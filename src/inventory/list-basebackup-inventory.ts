import type { BasebackupOptions } from '../sources/basebackup/basebackup-options.js';
import type { ObjectInfo, ObjectStore } from '../storage/object-store.js';
import { dateInKey } from '../storage/pick-backup.js';
import { sortBackups, walInventory, type BackupInventory, type InventoryBackup } from './inventory.js';

const MARKERS = ['base.tar.gz', 'base.tar', 'PG_VERSION'];

/** The base backup directories under the drill's prefix (or its one key) and the WAL archive's newest segment. */
export async function listBasebackupInventory(
  store: ObjectStore,
  walStore: ObjectStore,
  options: BasebackupOptions,
  signal?: AbortSignal,
): Promise<BackupInventory> {
  const prefix = options.key !== undefined ? `${options.key.replace(/\/+$/, '')}/` : (options.prefix ?? '');
  const objects = await store.list(prefix, { signal });
  const pattern = options.pattern === undefined ? undefined : new RegExp(options.pattern);
  const byKeyDate = options.orderBy === 'keyDate';
  const backups: InventoryBackup[] = [];
  const ignored: string[] = [];
  for (const [dir, marker] of backupDirs(objects)) {
    if (options.key === undefined && pattern && !pattern.test(dir)) continue;
    const time = byKeyDate ? dateInKey(dir) : marker.lastModified;
    const size = objects.filter((o) => o.key.startsWith(`${dir}/`)).reduce((sum, o) => sum + o.size, 0);
    if (time) backups.push({ id: dir, time, size });
    else ignored.push(`${dir}: no date in the key`);
  }
  const wal = walInventory(await walStore.list(options.wal.prefix, { signal }));
  const where = `base backups in ${store.description} under "${prefix}", WAL in ${walStore.description} under "${options.wal.prefix}"`;
  return {
    where,
    timeFrom: byKeyDate ? 'the date in the key' : 'LastModified of base.tar',
    backups: sortBackups(backups),
    wal,
    ignored,
  };
}

/** Each directory holding a base backup, with the object that marks it (the first marker found). */
function backupDirs(objects: ObjectInfo[]): Map<string, ObjectInfo> {
  const dirs = new Map<string, ObjectInfo>();
  for (const marker of MARKERS)
    for (const o of objects) {
      if (!o.key.endsWith(`/${marker}`)) continue;
      const dir = o.key.slice(0, -marker.length - 1);
      if (!dirs.has(dir)) dirs.set(dir, o);
    }
  // A plain copy also holds base/<oid>/PG_VERSION: only the outermost directory is a backup.
  const all = [...dirs.keys()];
  for (const dir of all) if (all.some((outer) => dir.startsWith(`${outer}/`))) dirs.delete(dir);
  return dirs;
}
