import { posix } from 'node:path';
import { ConfigError, isDrillError, SourceError } from '../../errors.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { BasebackupOptions } from './basebackup-options.js';
import { listBackupDir, listBackupDirs, readBackupLabel, readSystemId, type BackupDir } from './backup-dir.js';
import { checkChain, discoverChain, extendChain, type ChainMember } from './incremental-chain.js';
import type { BackupLabel } from './incremental-label.js';

/** The backups to restore, full first (one, unless the suite names incrementals), and the newest one's label. */
export interface ResolvedBackups {
  chain: BackupDir[];
  label?: BackupLabel;
}

/**
 * `picked` is the directory `key` names (or the one picked under `prefix`). Without `incrementals` it must be a
 * full backup; with a list it is the full backup the list builds on; with `discover` it is the chain's newest.
 */
export async function resolveBackups(
  store: ObjectStore,
  options: BasebackupOptions,
  picked: BackupDir,
  signal?: AbortSignal,
): Promise<ResolvedBackups> {
  const where = store.description;
  if (options.incrementals === undefined) {
    // A label that cannot be read here is left to the extraction, which names what is wrong with the tar.
    const label = await readBackupLabel(store, picked).catch(() => undefined);
    if (label?.incrementalFrom)
      throw new ConfigError(
        'INCREMENTAL_NEEDS_CHAIN',
        `${where}/${picked.dir} is an incremental backup (INCREMENTAL FROM LSN ${label.incrementalFrom.lsn}): it restores only combined with the backups it builds on`,
        {
          hint: 'add `incrementals: discover` to find its chain under the same prefix, or point key at the full backup and list the incrementals',
        },
      );
    return { chain: [picked], label };
  }
  const members = new Map<string, BackupDir>();
  const read = async (backup: BackupDir): Promise<ChainMember> => {
    members.set(backup.dir, backup);
    return { key: backup.dir, label: await chainLabel(store, backup), systemId: await readSystemId(store, backup) };
  };
  let chain: ChainMember[];
  if (options.incrementals === 'discover') {
    const root = options.prefix ?? `${posix.dirname(picked.dir)}/`.replace(/^\.\/$/, '');
    const others = (await listBackupDirs(store, root, signal))
      .filter((c) => c.key !== picked.dir)
      .sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || b.key.localeCompare(a.key));
    const seen = new Map<string, Promise<ChainMember | undefined>>();
    const readOnce = (key: string) => {
      if (!seen.has(key))
        seen.set(
          key,
          listBackupDir(store, key, signal)
            .then(read)
            .catch(() => undefined),
        );
      return seen.get(key)!;
    };
    const candidates = others.map((c) => c.key);
    chain = await discoverChain({ newest: await read(picked), candidates, read: readOnce, where: `${where}/${root}` });
    // Picked by object time under the prefix: a backup built on it is newer, whatever its object's time.
    if (options.key === undefined && options.pick === 'latest' && options.orderBy === 'lastModified')
      chain = await extendChain(chain, candidates, readOnce);
  } else {
    const dirs = options.incrementals.map((key) => key.replace(/\/+$/, ''));
    const listed = [picked, ...(await Promise.all(dirs.map((dir) => listBackupDir(store, dir, signal))))];
    chain = [];
    for (const backup of listed) chain.push(await read(backup));
    checkChain(chain, where);
  }
  return { chain: chain.map((m) => members.get(m.key)!), label: chain.at(-1)!.label };
}

/** A member of a chain must have a backup_label: it is what links it to its parent. */
async function chainLabel(store: ObjectStore, backup: BackupDir): Promise<BackupLabel> {
  const what = `${store.description}/${backup.dir}`;
  let label: BackupLabel | undefined;
  try {
    label = await readBackupLabel(store, backup);
  } catch (error) {
    if (isDrillError(error)) throw error;
    throw new SourceError('DECOMPRESS_FAILED', `the backup_label of ${what} could not be read: ${String(error)}`, {
      cause: error,
      hint: 'the base tar is damaged at its start; take a new backup',
    });
  }
  if (label) return label;
  throw new SourceError(
    'BACKUP_CHAIN_BROKEN',
    `${what} has no backup_label (${backup.base ? `none at the start of ${backup.base.key}` : 'no backup_label file'}): nothing says which backup it builds on`,
    { hint: 'a chain is made of pg_basebackup directories as written (plain or -Ft), each with its backup_label' },
  );
}
