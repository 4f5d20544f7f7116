import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOrphanContainers, removeContainers } from './orphan-containers.js';
import { isOwnerAlive } from './owner-identity.js';
import { KEPT_MARKER, readOwnerRecord, type OwnerRecord } from './owner-record.js';
import { stopProcessesIn, findProcessesIn } from './drill-processes.js';

export interface SweepOptions {
  /** Say what would be removed, remove nothing. @default false */
  dryRun?: boolean;
  /** Where pgdrill's temp directories are. @default os.tmpdir() */
  baseDir?: string;
}

export interface SweepResult {
  /** One line per thing removed (or, with dryRun, that would be): servers, containers, directories. */
  removed: string[];
}

/**
 * Find what pgdrill runs that are gone left behind (their owner record names a process that no longer
 * runs with that start time) and remove it: servers first, then containers, then the directories. What a
 * live run owns is never touched.
 */
export async function sweepLeftovers(options: SweepOptions = {}): Promise<SweepResult> {
  const base = options.baseDir ?? tmpdir();
  const removed: string[] = [];
  for (const name of safeList(base)) {
    if (!name.startsWith('pgdrill-')) continue;
    const dir = realpathOr(join(base, name));
    if (!isDirectory(dir)) continue;
    const record = readOwnerRecord(dir);
    if (!record || isOwnerAlive(record.owner) || existsSync(join(dir, KEPT_MARKER))) continue;
    removed.push(...(await removeLeftover(dir, withServerRecords(dir, record), options.dryRun === true)));
  }
  const containers = await removeOrphanContainers(options.dryRun === true);
  removed.push(...containers);
  return { removed };
}

async function removeLeftover(dir: string, record: OwnerRecord, dryRun: boolean): Promise<string[]> {
  const whose = `left by pgdrill pid ${record.owner.pid} (gone; ${record.purpose || 'drill'}, created ${record.createdAt || 'at an unknown time'})`;
  const lines: string[] = [];
  const processes = dryRun ? findProcessesIn(dir) : await stopProcessesIn(dir);
  for (const p of processes.filter((p) => p.postmaster))
    lines.push(`PostgreSQL server pid ${p.pid} on ${p.cwd} ${whose}`);
  const others = processes.filter((p) => !p.postmaster).length;
  if (others > 0) lines.push(`${others} process${others === 1 ? '' : 'es'} of its servers ${whose}`);
  lines.push(...(await removeContainers(record.containers, dryRun)).map((c) => `${c} ${whose}`));
  for (const path of [...record.paths, dir]) {
    if (!dryRun) rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    lines.push(`directory ${path} ${whose}`);
  }
  return lines;
}

// The servers' own records, one level down, add their containers and the paths they made outside the dir.
function withServerRecords(dir: string, record: OwnerRecord): OwnerRecord {
  const merged = { ...record, containers: [...record.containers], paths: [...record.paths] };
  for (const name of safeList(dir)) {
    const server = readOwnerRecord(join(dir, name));
    if (!server) continue;
    merged.containers.push(...server.containers.filter((c) => !merged.containers.includes(c)));
    merged.paths.push(...server.paths.filter((p) => !merged.paths.includes(p)));
  }
  return merged;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
