import { SourceError } from '../../errors.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { pickBackup } from '../../storage/pick-backup.js';
import type { ArchiveOptions } from './pgdump-options.js';

/** A stored archive: one object, or a directory-format dump (a prefix holding toc.dat and data files). */
export interface FoundArchive {
  key: string;
  size: number;
  lastModified: Date;
  etag?: string;
  /** Set for directory-format dumps: every object below `key`. */
  files?: ObjectInfo[];
}

/** Resolve an archive spec to what is stored: the exact key, or latest/oldest under a prefix. */
export async function findArchive(
  store: ObjectStore,
  archive: ArchiveOptions,
  signal?: AbortSignal,
): Promise<FoundArchive> {
  if (archive.key !== undefined) {
    const key = archive.key.replace(/\/+$/, '');
    const object = archive.format === 'directory' ? undefined : await store.head(key, { signal });
    if (object) return object;
    const below = await store.list(`${key}/`, { signal });
    if (below.some((o) => o.key === `${key}/toc.dat`)) return asDirectory(key, below);
    const siblings = await store.list(key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '', { signal });
    return pickBackup(candidatesOf(siblings), { pick: { key }, where: `${store.description}` });
  }
  const prefix = archive.prefix ?? '';
  const objects = await store.list(prefix, { signal });
  const candidates = candidatesOf(objects);
  const picked = pickBackup(candidates, {
    pick: archive.pick,
    pattern: archive.pattern === undefined ? undefined : new RegExp(archive.pattern),
    orderBy: archive.orderBy,
    where: `${store.description} under prefix "${prefix}"`,
  });
  const directory = directoryOf(picked.key, objects);
  return directory ?? picked;
}

/** Files, with each directory-format dump folded into one candidate keyed by its directory. */
export function candidatesOf(objects: ObjectInfo[]): ObjectInfo[] {
  const dirs = objects.filter((o) => o.key.endsWith('/toc.dat')).map((o) => o.key.slice(0, -'/toc.dat'.length));
  const inDir = (key: string) => dirs.some((d) => key.startsWith(`${d}/`));
  const files = objects.filter((o) => !inDir(o.key) && !o.key.endsWith('/'));
  const folded = dirs.map((d) => {
    const folder = asDirectory(
      d,
      objects.filter((o) => o.key.startsWith(`${d}/`)),
    );
    return { key: folder.key, size: folder.size, lastModified: folder.lastModified };
  });
  return [...files, ...folded];
}

function directoryOf(key: string, objects: ObjectInfo[]): FoundArchive | undefined {
  const files = objects.filter((o) => o.key.startsWith(`${key}/`));
  return files.some((o) => o.key === `${key}/toc.dat`) ? asDirectory(key, files) : undefined;
}

function asDirectory(key: string, files: ObjectInfo[]): FoundArchive {
  if (files.length === 0) throw new SourceError('BACKUP_NOT_FOUND', `directory dump ${key} is empty`);
  const toc = files.find((f) => f.key === `${key}/toc.dat`)!;
  return { key, size: files.reduce((s, f) => s + f.size, 0), lastModified: toc.lastModified, files };
}
