import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markKept, writeOwnerRecord } from '../lifecycle/owner-record.js';
import { startSupervisor } from '../lifecycle/start-supervisor.js';
import { registerCleanup } from '../process/cleanup.js';

export interface DrillWorkspace extends AsyncDisposable {
  /** The drill's directory: the server's own dir lives below it. */
  dir: string;
  /** Downloads and decrypted files: 0700, readable by the drill alone. */
  filesDir: string;
  /** Keep the directory (and leave it to the user) instead of removing it. */
  keep(): void;
}

/**
 * A private directory per drill, removed on every path (also on SIGINT through the cleanup registry). It
 * carries an owner record (for the sweep at the next start) and a supervisor that removes it, and stops
 * whatever works in it, if pgdrill dies without cleaning up (SIGKILL, OOM killer).
 * As root the server runs as another OS user, who must be able to traverse (not list) this directory.
 */
export async function createDrillWorkspace(drill: string, baseDir = tmpdir()): Promise<DrillWorkspace> {
  const dir = await mkdtemp(join(baseDir, `pgdrill-${drill.slice(0, 40)}-`));
  writeOwnerRecord(dir, `drill ${drill}`);
  const supervisor = startSupervisor({ dirs: [dir] });
  await chmod(dir, process.getuid?.() === 0 ? 0o711 : 0o700);
  const filesDir = join(dir, 'files');
  await mkdir(filesDir, { mode: 0o700 });
  let kept = false;
  const remove = async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    supervisor.release();
  };
  const unregister = registerCleanup(`drill directory ${dir}`, remove);
  return {
    dir,
    filesDir,
    keep: () => {
      kept = true;
      markKept(dir);
      supervisor.release();
      unregister();
    },
    [Symbol.asyncDispose]: async () => {
      if (kept) return;
      unregister();
      await remove();
    },
  };
}
