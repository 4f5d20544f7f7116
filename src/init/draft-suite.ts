import type { StoreConfig } from '../storage/create-store.js';
import { formatBytes } from '../storage/pick-backup.js';
import type { FoundBarman, FoundBasebackups, FoundDumps, FoundPgbackrest, Layout } from './detect-layout.js';
import type { SniffedDump } from './sniff-object.js';
import { suggestMaxAge, suggestRetention } from './suggest-checks.js';

/** What init learned beyond key names: dumps' first bytes, whether pgBackRest's backup.info is encrypted. */
export interface Inspected {
  dumps: Map<FoundDumps, SniffedDump>;
  encryptedRepos: Set<FoundPgbackrest>;
  /** Backup times per found source (for freshness and retention suggestions). */
  times: Map<object, Date[]>;
}

type Drill = Record<string, unknown>;
export const STORE_NAME = 'backups';

/** A starter suite for everything found: per source an inventory drill, then a restore drill. */
export function draftSuite(options: {
  name: string;
  location: string;
  store: StoreConfig;
  layout: Layout;
  inspected: Inspected;
  now: Date;
}): { suite: Record<string, unknown>; findings: string[] } {
  const { layout, inspected, now } = options;
  const drills: Drill[] = [];
  const findings: string[] = [];
  const names = new Set<string>();
  const unique = (base: string) => {
    let name = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|-+$/g, '') || 'backups';
    for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
    names.add(name);
    return name;
  };
  const inventory = (found: object, extra: Record<string, unknown>, count: number, wal: boolean) => {
    const times = inspected.times.get(found) ?? [];
    const retention = suggestRetention(times, now);
    return [
      { freshness: { maxAge: suggestMaxAge(times), ...(wal ? { walMaxAge: '1h' } : {}) } },
      ...(retention ? [{ retention }] : []),
      ...(count >= 2 ? [{ size: { minRatio: 0.5, last: 7, ...extra } }] : []),
    ];
  };

  for (const d of layout.dumps) {
    const sniffed = inspected.dumps.get(d);
    const newest = d.objects.at(-1)!;
    const format = d.format ?? (sniffed?.format !== 'unknown' ? sniffed?.format : undefined);
    findings.push(
      `pg_dump: ${d.objects.length} ${d.format === 'directory' ? 'directory dump' : 'file'}${d.objects.length === 1 ? '' : 's'} matching /${d.pattern}/${format ? `, ${format} format` : ''}${sniffed?.compression && sniffed.compression !== 'none' ? `, ${sniffed.compression}` : ''}${sniffed?.encrypted ? ', openssl-encrypted' : ''}${d.datedKeys ? ', dated names' : ''}; newest ${newest.key} (${formatBytes(newest.size)})`,
    );
    const base = unique(
      `pgdump-${d.dir.replace(/\/$/, '') || 'root'}${layout.dumps.filter((x) => x.dir === d.dir).length > 1 ? `-${d.pattern.replace(/^\^/, '').slice(d.dir.length)}` : ''}`,
    );
    const pick = { prefix: d.dir, pattern: d.pattern, ...(d.datedKeys ? { orderBy: 'keyDate' } : {}) };
    const decrypt = sniffed?.encrypted ? { decrypt: { keyEnv: 'BACKUP_KEY' } } : {};
    drills.push({
      name: `${base}-inventory`,
      description: 'Listing only, no restore: cheap enough to run hourly.',
      source: { pgdump: { store: STORE_NAME, ...pick } },
      checks: inventory(d, { minBytes: 1000 }, d.objects.length, false),
    });
    drills.push({
      name: `${base}-restore`,
      description: `Restores the newest dump.${sniffed?.encrypted ? ' Set BACKUP_KEY to the openssl passphrase.' : ''} Add rows checks for the tables that matter.`,
      source: { pgdump: { store: STORE_NAME, ...pick, ...decrypt } },
      checks: [{ schema: { invalidIndexes: 0 } }, { sequences: {} }, { duration: {} }],
    });
  }
  for (const r of layout.pgbackrest) {
    const encrypted = inspected.encryptedRepos.has(r);
    findings.push(
      `pgBackRest: repository ${r.path}, stanza ${r.stanza}, ${r.labels.length} backup set${r.labels.length === 1 ? '' : 's'}, ${r.walCount} archived WAL segments${encrypted ? ', encrypted (set PGBACKREST_CIPHER_PASS)' : ''}`,
    );
    const source = {
      pgbackrest: {
        store: STORE_NAME,
        path: r.path,
        stanza: r.stanza,
        ...(encrypted ? { cipherPassEnv: 'PGBACKREST_CIPHER_PASS' } : {}),
      },
    };
    const base = unique(`pgbackrest-${r.stanza}`);
    const tls = ipEndpoint(options.store)
      ? ' pgBackRest checks certificates by DNS name: with an IP address endpoint use a DNS name (or verifyTls: false for a test server).'
      : '';
    drills.push({
      name: `${base}-inventory`,
      description: `pgbackrest info only, no restore.${tls}`,
      source,
      checks: inventory(r, {}, r.labels.length, true),
    });
    drills.push({
      name: `${base}-restore`,
      description: `Restores the latest set and replays WAL to the end of the archive.${tls}`,
      source,
      checks: [{ recovery: { reached: true } }, { sequences: {} }, { duration: {} }],
    });
  }
  for (const b of layout.barman) findings.push(...barmanDrills(b, options.store, unique, inventory, drills));
  for (const b of layout.basebackups) findings.push(...basebackupDrills(b, unique, inventory, drills));
  for (const w of layout.walArchives.filter((w) => !layout.basebackups.some((b) => b.walPrefix === w.prefix)))
    findings.push(`WAL archive: ${w.prefix || '(root)'} (${w.count} segments), not used by a drill`);
  if (layout.unrecognised > 0)
    findings.push(`${layout.unrecognised} other object${layout.unrecognised === 1 ? '' : 's'} not recognised`);
  const storage = {
    [STORE_NAME]: 's3' in options.store ? { s3: options.store.s3 } : { filesystem: options.store.filesystem },
  };
  const suite = {
    name: options.name,
    description: `Starter suite written by pgdrill init from ${options.location}; adjust the limits and add data checks.`,
    objectives: { rto: '4h', rpo: '26h' },
    storage,
    drills,
  };
  return { suite, findings };
}

type Inventory = (found: object, extra: Record<string, unknown>, count: number, wal: boolean) => object[];

function barmanDrills(
  b: FoundBarman,
  store: StoreConfig,
  unique: (n: string) => string,
  inventory: Inventory,
  drills: Drill[],
): string[] {
  const line = `barman-cloud: server ${b.server}${b.prefix ? ` under ${b.prefix}/` : ''}, ${b.ids.length} backup${b.ids.length === 1 ? '' : 's'}, ${b.walCount} archived WAL segments`;
  const source = { barmanCloud: { store: STORE_NAME, prefix: b.prefix, server: b.server } };
  const base = unique(`barman-${b.server}`);
  drills.push({
    name: `${base}-inventory`,
    description: 'backup.info files and the WAL listing only, no restore.',
    source,
    checks: inventory(b, {}, b.ids.length, true),
  });
  if (!('s3' in store))
    return [
      line,
      `  (no restore drill: barman-cloud-restore reads S3 only; ${b.server} was found on a local directory)`,
    ];
  drills.push({
    name: `${base}-restore`,
    description: 'Restores the newest completed backup and replays WAL to the end of the archive.',
    source,
    checks: [{ recovery: { reached: true } }, { sequences: {} }, { duration: {} }],
  });
  return [line];
}

function basebackupDrills(
  b: FoundBasebackups,
  unique: (n: string) => string,
  inventory: Inventory,
  drills: Drill[],
): string[] {
  const line = `base backups: ${b.dirs.length} under ${b.prefix || '(root)'} (${b.dirs.join(', ')})${b.walPrefix !== undefined ? `, WAL archive ${b.walPrefix || '(root)'}` : ', no WAL archive found'}`;
  const source = {
    basebackup: { store: STORE_NAME, prefix: b.prefix, wal: { prefix: b.walPrefix ?? `${b.prefix}wal/` } },
  };
  const base = unique(`basebackup-${b.prefix.replace(/\/$/, '') || 'root'}`);
  drills.push({
    name: `${base}-inventory`,
    description: 'Listing only, no restore.',
    source,
    checks: inventory(b, {}, b.dirs.length, b.walPrefix !== undefined),
  });
  drills.push({
    name: `${base}-restore`,
    description: `Restores the newest base backup and replays the archived WAL.${b.walPrefix === undefined ? ' No WAL archive was found: set wal.prefix.' : ''}`,
    source,
    checks: [{ recovery: { reached: true } }, { sequences: {} }, { duration: {} }],
  });
  return [line];
}

function ipEndpoint(store: StoreConfig): boolean {
  if (!('s3' in store) || !store.s3.endpoint) return false;
  const host = new URL(store.s3.endpoint).hostname;
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
}
