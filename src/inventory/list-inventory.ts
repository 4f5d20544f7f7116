import { createStore } from '../storage/create-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ResolvedSource, ResolvedSuite } from '../suite/resolved-suite.js';
import type { BackupInventory } from './inventory.js';
import { listBarmanInventory } from './list-barman-inventory.js';
import { listBasebackupInventory } from './list-basebackup-inventory.js';
import { listPgbackrestInventory } from './list-pgbackrest-inventory.js';
import { listPgdumpInventory } from './list-pgdump-inventory.js';

export interface ListInventoryOptions {
  suite: ResolvedSuite;
  source: ResolvedSource;
  /** A private directory for tool locks (pgBackRest). */
  workDir: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** What the drill's source holds, from listings and metadata only: nothing is downloaded or restored. */
export async function listInventory(options: ListInventoryOptions): Promise<BackupInventory> {
  const { suite, source, signal } = options;
  const stores: ObjectStore[] = [];
  const open = (name: string) => {
    const store = createStore(suite.storage[name]!, { baseDir: suite.dir });
    stores.push(store);
    return store;
  };
  try {
    const store = open(source.store);
    if (source.kind === 'pgdump') return await listPgdumpInventory(store, source.archives[0]!, signal);
    if (source.kind === 'barmanCloud') return await listBarmanInventory(store, source.options, signal);
    if (source.kind === 'pgbackrest')
      return await listPgbackrestInventory({
        store,
        storeConfig: suite.storage[source.store]!,
        workDir: options.workDir,
        env: options.env,
        signal,
        options: source.options,
      });
    const walStore = source.walStore === source.store ? store : open(source.walStore);
    return await listBasebackupInventory(store, walStore, source.options, signal);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}
