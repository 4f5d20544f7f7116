import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from '../errors.js';
import { isInventoryOnly } from '../drill/run-inventory.js';
import { listInventory } from '../inventory/list-inventory.js';
import { describeBackup } from '../inventory/inventory.js';
import { prepareBarmanCloud } from '../sources/barman-cloud/barman-cloud-source.js';
import { prepareBasebackup } from '../sources/basebackup/basebackup-source.js';
import { findArchive } from '../sources/pgdump/find-archive.js';
import { preparePgbackrest } from '../sources/pgbackrest/pgbackrest-source.js';
import type { PhysicalContext, PreparedPhysical } from '../sources/physical/physical-source.js';
import { createStore } from '../storage/create-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { formatBytes } from '../storage/pick-backup.js';
import type { PhysicalSource, ResolvedDrill, ResolvedPgdumpSource, ResolvedSuite } from '../suite/resolved-suite.js';
import { readDumpMajor } from './dump-major.js';
import { fail, ok, type PreflightFinding } from './preflight-result.js';

export interface BackupCheck {
  finding: PreflightFinding;
  /** The server major the backup needs, when its metadata (or its first bytes) say. */
  major?: number;
  /** Why the major is not known yet. */
  majorUnknown?: string;
  /** Outer compressions seen (a zstd archive needs the zstd tool). */
  compressions: string[];
}

interface BackupCheckOptions {
  suite: ResolvedSuite;
  drill: ResolvedDrill;
  env: Record<string, string | undefined>;
}

/**
 * Find what the drill would restore, through the code the run uses (find the archive; `pgbackrest info`,
 * barman-cloud-backup-list or the base backup listing), and nothing more: no backup is downloaded.
 */
export async function checkBackup(options: BackupCheckOptions): Promise<BackupCheck> {
  // Tool locks (pgBackRest) go to a private directory of the preflight's own, removed afterwards.
  const workDir = await mkdtemp(join(tmpdir(), 'pgdrill-doctor-'));
  try {
    if (isInventoryOnly(options.drill)) return await checkInventory(options, workDir);
    if (options.drill.source.kind === 'pgdump') return await checkDump(options, options.drill.source);
    return await checkPhysical(options, options.drill.source, workDir);
  } catch (error) {
    return { finding: fail('backup', error), compressions: [] };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function checkInventory({ suite, drill, env }: BackupCheckOptions, workDir: string): Promise<BackupCheck> {
  const inventory = await listInventory({ suite, source: drill.source, workDir, env });
  const newest = inventory.backups.at(-1);
  const listed = `${inventory.backups.length} backup${inventory.backups.length === 1 ? '' : 's'} in ${inventory.where}`;
  const finding = newest
    ? ok('backup', `${listed}, newest ${describeBackup(newest)} (inventory checks only: nothing is restored)`)
    : fail(
        'backup',
        new SourceError(
          'BACKUP_NOT_FOUND',
          `no backup listed: ${listed}${inventory.status ? ` (${inventory.status})` : ''}`,
          {
            hint: 'check the store, prefix and source settings; the freshness check would fail on this listing',
          },
        ),
      );
  return { finding, compressions: [] };
}

async function checkDump({ suite }: BackupCheckOptions, source: ResolvedPgdumpSource): Promise<BackupCheck> {
  const store = createStore(suite.storage[source.store]!, { baseDir: suite.dir });
  try {
    const found: string[] = [];
    const majors: number[] = [];
    const unknown: string[] = [];
    const compressions: string[] = [];
    for (const archive of source.archives) {
      const picked = await findArchive(store, archive);
      found.push(`${picked.key} (${formatBytes(picked.size)}, ${picked.lastModified.toISOString()})`);
      const head = await readDumpMajor(store, picked, archive).catch((error: Error) => ({
        major: undefined,
        compression: undefined,
        unknownBecause: `its first bytes could not be read: ${error.message}`,
      }));
      if (head.major !== undefined) majors.push(head.major);
      if (head.unknownBecause) unknown.push(`${picked.key}: ${head.unknownBecause}`);
      compressions.push(archive.compression !== 'auto' ? archive.compression : (head.compression ?? 'none'));
    }
    const major = majors.length > 0 ? Math.max(...majors) : undefined;
    const from = major === undefined ? '' : `; written by pg_dump ${major}`;
    return {
      finding: ok('backup', `found in ${store.description}: ${found.join(', then ')}${from}`),
      major,
      majorUnknown: major === undefined ? unknown.join('; ') : undefined,
      compressions,
    };
  } finally {
    await store.close();
  }
}

async function checkPhysical(
  { suite, env }: BackupCheckOptions,
  source: PhysicalSource,
  workDir: string,
): Promise<BackupCheck> {
  const stores: ObjectStore[] = [];
  const open = (name: string) => {
    const store = createStore(suite.storage[name]!, { baseDir: suite.dir });
    stores.push(store);
    return store;
  };
  let prepared: PreparedPhysical | undefined;
  try {
    const base: PhysicalContext = {
      store: open(source.store),
      storeConfig: suite.storage[source.store]!,
      workDir,
      env,
    };
    if (source.kind === 'pgbackrest') prepared = await preparePgbackrest({ ...base, options: source.options });
    else if (source.kind === 'barmanCloud') prepared = await prepareBarmanCloud({ ...base, options: source.options });
    else {
      const walStore = source.walStore === source.store ? base.store : open(source.walStore);
      const walStoreConfig = suite.storage[source.walStore]!;
      prepared = await prepareBasebackup({ ...base, options: source.options, walStore, walStoreConfig });
    }
    const p = prepared.provenance;
    const size = typeof p.size === 'number' ? `${formatBytes(p.size)}, ` : '';
    const segments = `${prepared.archive.length} WAL segment${prepared.archive.length === 1 ? '' : 's'} archived`;
    return {
      finding: ok('backup', `found ${p.key} (${size}${p.lastModified ?? 'time unknown'}); ${segments}`),
      major: prepared.major,
      majorUnknown: prepared.major === undefined ? physicalMajorUnknown(source) : undefined,
      compressions: [],
    };
  } finally {
    await prepared?.close?.();
    await Promise.all(stores.map((s) => s.close()));
  }
}

// Where each source's major comes from without a download, and so why it may be missing.
function physicalMajorUnknown(source: PhysicalSource): string {
  if (source.kind === 'pgbackrest') return 'pgbackrest info names no database version for the set';
  if (source.kind === 'barmanCloud') return 'barman-cloud-backup-list names no server version for the backup';
  return 'PG_VERSION is not within the first 8 MiB of the base backup (a tar is read that far, no further)';
}
