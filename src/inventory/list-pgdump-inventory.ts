import { candidatesOf } from '../sources/pgdump/find-archive.js';
import type { ArchiveOptions } from '../sources/pgdump/pgdump-options.js';
import type { ObjectStore } from '../storage/object-store.js';
import { dateInKey } from '../storage/pick-backup.js';
import { sortBackups, type BackupInventory, type InventoryBackup } from './inventory.js';

/**
 * The archives a pg_dump drill would pick from: the files under its prefix that match its pattern
 * (a directory-format dump counts once), timed as the drill's `orderBy` says.
 */
export async function listPgdumpInventory(
  store: ObjectStore,
  archive: ArchiveOptions,
  signal?: AbortSignal,
): Promise<BackupInventory> {
  const prefix = archive.key ?? archive.prefix ?? '';
  const objects = await store.list(archive.key === undefined ? prefix : prefix.replace(/\/+$/, ''), { signal });
  const pattern = archive.pattern === undefined ? undefined : new RegExp(archive.pattern);
  const candidates = candidatesOf(objects).filter((o) =>
    archive.key === undefined ? !pattern || pattern.test(o.key) : o.key === archive.key.replace(/\/+$/, ''),
  );
  const byKeyDate = archive.orderBy === 'keyDate';
  const ignored: string[] = [];
  const backups: InventoryBackup[] = [];
  for (const object of candidates) {
    const time = byKeyDate ? dateInKey(object.key) : object.lastModified;
    if (time) backups.push({ id: object.key, time, size: object.size });
    else ignored.push(`${object.key}: no date in the key`);
  }
  const what =
    archive.key === undefined
      ? `prefix "${prefix}"${pattern ? ` matching /${archive.pattern}/` : ''}`
      : `key ${archive.key}`;
  return {
    where: `pg_dump archives in ${store.description} under ${what}`,
    timeFrom: byKeyDate ? 'the date in the key' : 'LastModified',
    backups: sortBackups(backups),
    ignored,
  };
}
