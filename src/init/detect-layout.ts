import { parseSegmentKey } from '../recovery/wal-segments.js';
import { candidatesOf } from '../sources/pgdump/find-archive.js';
import type { ObjectInfo } from '../storage/object-store.js';
import { dateInKey } from '../storage/pick-backup.js';

/** A pgBackRest repository: `<path>/backup/<stanza>/backup.info` (and `archive/<stanza>`). */
export interface FoundPgbackrest {
  /** repo1-path relative to the store root, `/pgbackrest`. */
  path: string;
  stanza: string;
  /** `backup/<stanza>/backup.info` key, to tell whether it is encrypted. */
  infoKey: string;
  /** Backup set labels (directories holding backup.manifest). */
  labels: string[];
  walCount: number;
}

/** A barman-cloud layout: `<prefix>/<server>/base/<id>/backup.info` and `<server>/wals/`. */
export interface FoundBarman {
  prefix: string;
  server: string;
  ids: string[];
  walCount: number;
}

/** Base backups (base.tar[.gz], backup_manifest or a plain copy) under one parent, and a WAL archive. */
export interface FoundBasebackups {
  /** The parent prefix the drill picks under (`basebackup/`). */
  prefix: string;
  dirs: string[];
  /** The WAL archive directory with the most segments outside tool-managed areas, if any. */
  walPrefix?: string;
}

/** pg_dump files of one family: same directory, same name once the date is taken out. */
export interface FoundDumps {
  dir: string;
  /** Regular expression for the family's keys (dates as `.*`). */
  pattern: string;
  /** Oldest first (by LastModified). */
  objects: ObjectInfo[];
  /** Every key carries a date: pick by it. */
  datedKeys: boolean;
  /** From the extension: custom, directory, tar, plain, or undefined (read the magic bytes). */
  format?: string;
}

export interface Layout {
  pgbackrest: FoundPgbackrest[];
  barman: FoundBarman[];
  basebackups: FoundBasebackups[];
  dumps: FoundDumps[];
  /** WAL archive directories (outside pgBackRest and barman areas) with their segment counts. */
  walArchives: { prefix: string; count: number }[];
  /** Objects nothing above claims (not shown in full). */
  unrecognised: number;
}

const DUMP_EXT = /\.(dump|backup|pgdump|custom|dmp|sql|tar|pgsql)(\.(gz|zst|zstd))?(\.(enc|aes))?$/i;
const BASE_MARKERS = /\/(base\.tar(\.gz)?|backup_manifest)$/;

/** Recognise what a listing holds, from key names alone (magic bytes are read later, for dumps only). */
export function detectLayout(objects: ObjectInfo[]): Layout {
  const claimed = new Set<string>();
  const claim = (prefix: string) => objects.forEach((o) => o.key.startsWith(prefix) && claimed.add(o.key));
  const pgbackrest = findPgbackrest(objects, claim);
  const barman = findBarman(objects, claim);
  const free = () => objects.filter((o) => !claimed.has(o.key));
  const basebackups = findBasebackups(free(), claim);
  const walArchives = groupWal(free(), claim);
  for (const b of basebackups) b.walPrefix = walArchives[0]?.prefix;
  const dumps = findDumps(free(), claim);
  return { pgbackrest, barman, basebackups, dumps, walArchives, unrecognised: objects.length - claimed.size };
}

function findPgbackrest(objects: ObjectInfo[], claim: (prefix: string) => void): FoundPgbackrest[] {
  return objects.flatMap((o) => {
    const m = /^(?:(.*)\/)?backup\/([^/]+)\/backup\.info$/.exec(o.key);
    if (!m) return [];
    const root = m[1] ? `${m[1]}/` : '';
    const stanza = m[2]!;
    const labels = objects.flatMap((x) => {
      const l = new RegExp(`^${escape(root)}backup/${escape(stanza)}/([^/]+)/backup\\.manifest$`).exec(x.key);
      return l ? [l[1]!] : [];
    });
    const walCount = objects.filter(
      (x) => x.key.startsWith(`${root}archive/${stanza}/`) && parseSegmentKey(x.key),
    ).length;
    claim(`${root}backup/${stanza}/`);
    claim(`${root}archive/${stanza}/`);
    return [{ path: `/${m[1] ?? ''}`, stanza, infoKey: o.key, labels, walCount }];
  });
}

function findBarman(objects: ObjectInfo[], claim: (prefix: string) => void): FoundBarman[] {
  const servers = new Map<string, FoundBarman>();
  for (const o of objects) {
    const m = /^(?:(.*)\/)?([^/]+)\/base\/([^/]+)\/backup\.info$/.exec(o.key);
    if (!m) continue;
    const key = `${m[1] ?? ''}/${m[2]}`;
    const found = servers.get(key) ?? { prefix: m[1] ?? '', server: m[2]!, ids: [], walCount: 0 };
    found.ids.push(m[3]!);
    servers.set(key, found);
  }
  for (const s of servers.values()) {
    const root = s.prefix ? `${s.prefix}/${s.server}/` : `${s.server}/`;
    s.walCount = objects.filter((o) => o.key.startsWith(`${root}wals/`) && parseSegmentKey(o.key)).length;
    claim(root);
  }
  return [...servers.values()];
}

function findBasebackups(objects: ObjectInfo[], claim: (prefix: string) => void): FoundBasebackups[] {
  const dirs = new Set<string>();
  for (const o of objects) {
    if (BASE_MARKERS.test(o.key)) dirs.add(o.key.replace(BASE_MARKERS, ''));
    // A plain copy: PG_VERSION beside global/pg_control.
    if (o.key.endsWith('/global/pg_control')) dirs.add(o.key.slice(0, -'/global/pg_control'.length));
  }
  const byParent = new Map<string, string[]>();
  for (const dir of dirs) {
    const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/') + 1) : '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), dir]);
    claim(`${dir}/`);
  }
  return [...byParent].map(([prefix, list]) => ({ prefix, dirs: list.sort() }));
}

function groupWal(objects: ObjectInfo[], claim: (prefix: string) => void): { prefix: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const o of objects) {
    if (!parseSegmentKey(o.key)) continue;
    const dir = o.key.includes('/') ? o.key.slice(0, o.key.lastIndexOf('/') + 1) : '';
    counts.set(dir, (counts.get(dir) ?? 0) + 1);
  }
  for (const dir of counts.keys())
    objects.forEach((o) => o.key.startsWith(dir) && !o.key.slice(dir.length).includes('/') && claim(o.key));
  return [...counts]
    .map(([prefix, count]) => ({ prefix, count }))
    .sort((a, b) => b.count - a.count || (a.prefix < b.prefix ? -1 : 1));
}

function findDumps(objects: ObjectInfo[], claim: (prefix: string) => void): FoundDumps[] {
  const families = new Map<string, FoundDumps>();
  for (const o of candidatesOf(objects)) {
    const isDir = objects.some((x) => x.key === `${o.key}/toc.dat`);
    if (!isDir && !DUMP_EXT.test(o.key)) continue;
    const dir = o.key.includes('/') ? o.key.slice(0, o.key.lastIndexOf('/') + 1) : '';
    const name = o.key.slice(dir.length);
    const shape = name.replace(/\d{4}-?\d{2}-?\d{2}(?:[T_ -]?\d{2}[-:]?\d{2}(?:[-:]?\d{2})?(?:\.\d+)?Z?)?/g, '\u0000');
    const pattern = `^${escape(dir)}${shape.split('\u0000').map(escape).join('.*')}${isDir ? '' : '$'}`;
    const family = families.get(pattern) ?? {
      dir,
      pattern,
      objects: [],
      datedKeys: true,
      format: isDir ? 'directory' : formatOf(name),
    };
    family.objects.push(o);
    family.datedKeys &&= dateInKey(o.key) !== undefined;
    families.set(pattern, family);
    claim(isDir ? `${o.key}/` : o.key);
  }
  for (const f of families.values()) f.objects.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime());
  return [...families.values()];
}

function formatOf(name: string): string | undefined {
  const ext = DUMP_EXT.exec(name)?.[1]?.toLowerCase();
  if (ext === 'sql' || ext === 'pgsql') return 'plain';
  if (ext === 'tar') return 'tar';
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
