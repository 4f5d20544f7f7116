import { SourceError } from '../../errors.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { decoded, readText } from './basebackup-files.js';
import { parseBackupLabel, type BackupLabel } from './incremental-label.js';
import { peekTarFile } from './tar-peek.js';

/** Files that mark a base backup directory: a tar backup's base tar, or a plain copy's PG_VERSION. */
export const MARKERS = ['base.tar.gz', 'base.tar', 'PG_VERSION'];

/** One base backup directory as listed: `base.tar[.gz]` + `pg_wal.tar[.gz]` (-Ft), or a plain copy. */
export interface BackupDir {
  dir: string;
  files: ObjectInfo[];
  /** base.tar[.gz]; undefined for a plain copy. */
  base?: ObjectInfo;
  has(name: string): ObjectInfo | undefined;
}

export async function listBackupDir(store: ObjectStore, dir: string, signal?: AbortSignal): Promise<BackupDir> {
  const files = await store.list(`${dir}/`, { signal });
  const has = (name: string) => files.find((f) => f.key === `${dir}/${name}`);
  const base = has('base.tar.gz') ?? has('base.tar');
  if (!base && !has('PG_VERSION'))
    throw new SourceError(
      'BACKUP_NOT_FOUND',
      `${store.description}/${dir} holds neither base.tar[.gz] nor PG_VERSION`,
      { hint: 'point key/prefix (and incrementals) at the directories pg_basebackup wrote' },
    );
  return { dir, files, base, has };
}

/**
 * Every base backup directory under `prefix` (a directory holding one of MARKERS), with its marker's time. A
 * plain copy's database directories (`base/<oid>/PG_VERSION`) are inside it, not backups of their own: uploaded
 * in any order, one of them may be the newest object.
 */
export async function listBackupDirs(store: ObjectStore, prefix: string, signal?: AbortSignal): Promise<ObjectInfo[]> {
  const objects = await store.list(prefix, { signal });
  const candidates: ObjectInfo[] = objects.flatMap((o) => {
    const marker = MARKERS.find((m) => o.key.endsWith(`/${m}`));
    return marker ? [{ ...o, key: o.key.slice(0, -marker.length - 1) }] : [];
  });
  const dirs = new Set(candidates.map((c) => c.key));
  const nested = (key: string) => [...dirs].some((dir) => key.startsWith(`${dir}/`));
  return [...new Map(candidates.filter((c) => !nested(c.key)).map((c) => [c.key, c])).values()];
}

/** The raw backup_label: a plain copy's file, or the one pg_basebackup -Ft writes first into base.tar[.gz]. */
export async function readLabelText(store: ObjectStore, backup: BackupDir): Promise<string | undefined> {
  if (backup.has('backup_label')) return readText(store, `${backup.dir}/backup_label`);
  return backup.base ? peekTarFile(await decoded(store, backup.base), 'backup_label') : undefined;
}

export async function readBackupLabel(store: ObjectStore, backup: BackupDir): Promise<BackupLabel | undefined> {
  const text = await readLabelText(store, backup);
  return text === undefined ? undefined : parseBackupLabel(text);
}

/** `System-Identifier` from the head of backup_manifest (version 2 writes it second): a ranged read, not the whole file. */
export async function readSystemId(store: ObjectStore, backup: BackupDir): Promise<string | undefined> {
  const manifest = backup.has('backup_manifest');
  if (!manifest) return undefined;
  const chunks: Buffer[] = [];
  const end = Math.min(manifest.size, 512) - 1;
  if (end < 0) return undefined;
  for await (const chunk of await store.read(manifest.key, { range: { start: 0, end } })) chunks.push(chunk as Buffer);
  return /"System-Identifier"\s*:\s*(\d+)/.exec(Buffer.concat(chunks).toString('utf8'))?.[1];
}
