import { DrillError } from '../errors.js';
import { formatBytes } from '../storage/pick-backup.js';
import { parseSegmentKey } from '../recovery/wal-segments.js';
import type { ObjectInfo } from '../storage/object-store.js';

/** One backup as its source lists it: no byte of it is read. */
export interface InventoryBackup {
  /** The key, directory, set label or backup id. */
  id: string;
  /** When the backup finished: the tool's stop time, the object's LastModified, or the date in its key. */
  time: Date;
  /** Bytes: the object (or directory) size; for pgBackRest the database size, comparable across full and incremental sets. */
  size?: number;
  /** pgBackRest: full, diff or incr. */
  type?: string;
}

/** The newest segment of a WAL archive, by when it was stored. */
export interface WalInventory {
  count: number;
  newest?: { name: string; at: Date };
}

/** What a source holds, from listings alone: the input of the freshness, retention and size checks. */
export interface BackupInventory {
  /** Where it was listed, for messages: `pg_dump archives under s3://prod-backups prefix "daily/"`. */
  where: string;
  /** How a backup's time was read, for messages: `LastModified`, `the date in the key`, `pgbackrest info stop time`. */
  timeFrom: string;
  /** Oldest first. */
  backups: InventoryBackup[];
  /** Undefined for sources without a WAL archive (pg_dump). */
  wal?: WalInventory;
  /** Candidates left out, with why (a key without a date when times come from keys). */
  ignored: string[];
  /** What the tool said about the source when it is not healthy (`pgBackRest status: missing stanza path`). */
  status?: string;
}

/** Oldest first; ties broken by id so the order (and "newest") is reproducible. */
export function sortBackups(backups: InventoryBackup[]): InventoryBackup[] {
  return [...backups].sort((a, b) => a.time.getTime() - b.time.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The newest archived segment by LastModified; `.history`, `.backup` and partial files are not segments. */
export function walInventory(objects: ObjectInfo[]): WalInventory {
  let newest: WalInventory['newest'];
  let count = 0;
  for (const object of objects) {
    const segment = parseSegmentKey(object.key);
    if (!segment) continue;
    count++;
    if (!newest || object.lastModified > newest.at) newest = { name: segment.name, at: object.lastModified };
  }
  return { count, newest };
}

/** Inventory checks get the listing from the drill runner; running one without it is a pgdrill bug. */
export function requireInventory(inventory: BackupInventory | undefined, check: string): BackupInventory {
  if (inventory) return inventory;
  throw new DrillError('INVENTORY_MISSING', `the ${check} check ran without the source's inventory`, {
    hint: 'this is a bug in pgdrill; please report it',
  });
}

/** `daily/shop-2026-11-20.dump (2026-11-20T02:00:00.000Z, 1.2 MiB)` */
export function describeBackup(backup: InventoryBackup): string {
  const extras = [
    backup.time.toISOString(),
    backup.size === undefined ? '' : formatBytes(backup.size),
    backup.type ?? '',
  ].filter(Boolean);
  return `${backup.id} (${extras.join(', ')})`;
}
