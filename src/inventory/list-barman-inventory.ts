import type { BarmanCloudOptions } from '../sources/barman-cloud/barman-cloud-options.js';
import { joinKey } from '../sources/physical/physical-source.js';
import type { ObjectStore } from '../storage/object-store.js';
import { sortBackups, walInventory, type BackupInventory, type InventoryBackup } from './inventory.js';

/**
 * barman-cloud's own metadata, read straight from the store: each `<server>/base/<id>/backup.info`
 * (status, end time with its offset, size) and the `<server>/wals/` listing. No tool runs, so it is
 * quick and works for a copy of the bucket on disk too.
 */
export async function listBarmanInventory(
  store: ObjectStore,
  options: BarmanCloudOptions,
  signal?: AbortSignal,
): Promise<BackupInventory> {
  const base = `${joinKey(options.prefix, options.server, 'base')}/`;
  const infos = (await store.list(base, { signal })).filter((o) =>
    /^[^/]+\/backup\.info$/.test(o.key.slice(base.length)),
  );
  const backups: InventoryBackup[] = [];
  const ignored: string[] = [];
  for (const info of infos) {
    const fields = parseBackupInfo(await readSmall(store, info.key, signal));
    const id = fields.backup_id ?? info.key.slice(base.length).split('/')[0]!;
    if (fields.status !== 'DONE') {
      ignored.push(`${id}: status ${fields.status ?? 'unknown'}`);
      continue;
    }
    const end = fields.end_time ? new Date(fields.end_time.replace(' ', 'T')) : undefined;
    const size = fields.size !== undefined && /^\d+$/.test(fields.size) ? Number(fields.size) : undefined;
    backups.push({ id, time: end && !Number.isNaN(end.getTime()) ? end : info.lastModified, size });
  }
  const wal = walInventory(await store.list(`${joinKey(options.prefix, options.server, 'wals')}/`, { signal }));
  return {
    where: `barman-cloud server ${options.server} in ${store.description}/${joinKey(options.prefix)}`,
    timeFrom: 'end_time in backup.info',
    backups: sortBackups(backups),
    wal,
    ignored,
  };
}

/** `key=value` lines, as barman writes them. */
export function parseBackupInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return fields;
}

async function readSmall(store: ObjectStore, key: string, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key, { signal })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
