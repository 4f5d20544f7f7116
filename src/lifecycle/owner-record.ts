import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentOwner, type OwnerIdentity } from './owner-identity.js';

/** The file in each of pgdrill's temp directories that says who owns it and what lives in it. */
export const OWNER_RECORD = 'pgdrill-owner.json';

export interface OwnerRecord {
  owner: OwnerIdentity;
  createdAt: string;
  /** What the directory is for, e.g. "drill orders-pitr". */
  purpose: string;
  /** Data directories of servers started in it (their postmaster works there). */
  dataDirs: string[];
  /** Postmaster pids as last seen (verified against the data dir before any signal). */
  postmasterPids: number[];
  /** Containers started for it (ids or `label=value` filters). */
  containers: string[];
  /** Paths outside the directory that belong to it (a socket dir in TMPDIR). */
  paths: string[];
}

/** Write a fresh record for `dir`, owned by this process. */
export function writeOwnerRecord(dir: string, purpose: string): void {
  const record: OwnerRecord = {
    owner: currentOwner(),
    createdAt: new Date().toISOString(),
    purpose,
    dataDirs: [],
    postmasterPids: [],
    containers: [],
    paths: [],
  };
  saveRecord(dir, record);
}

export function readOwnerRecord(dir: string): OwnerRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, OWNER_RECORD), 'utf8')) as Partial<OwnerRecord>;
    if (!parsed.owner || typeof parsed.owner.pid !== 'number' || typeof parsed.owner.startTime !== 'string')
      return undefined;
    return {
      createdAt: '',
      purpose: '',
      dataDirs: [],
      postmasterPids: [],
      containers: [],
      paths: [],
      ...parsed,
    } as OwnerRecord;
  } catch {
    return undefined;
  }
}

/**
 * Add resources to the record of the directory holding them (synchronously, so concurrent drills of one
 * process never interleave a read and a write). A directory without a record gets one.
 */
export function addToOwnerRecord(
  dir: string,
  add: Partial<Pick<OwnerRecord, 'dataDirs' | 'postmasterPids' | 'containers' | 'paths'>>,
  purpose = 'pgdrill server',
): void {
  const record = readOwnerRecord(dir) ?? {
    owner: currentOwner(),
    createdAt: new Date().toISOString(),
    purpose,
    dataDirs: [],
    postmasterPids: [],
    containers: [],
    paths: [],
  };
  for (const key of ['dataDirs', 'postmasterPids', 'containers', 'paths'] as const) {
    const merged = new Set<string | number>([...record[key], ...(add[key] ?? [])]);
    (record[key] as (string | number)[]) = [...merged];
  }
  saveRecord(dir, record);
}

function saveRecord(dir: string, record: OwnerRecord): void {
  const path = join(dir, OWNER_RECORD);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Marker of a directory kept for inspection: supervisors and sweeps leave it (and its server) alone. */
export const KEPT_MARKER = 'pgdrill-kept';

export function markKept(dir: string): void {
  writeFileSync(
    join(dir, KEPT_MARKER),
    `kept for inspection by pgdrill pid ${process.pid} at ${new Date().toISOString()}; remove the directory when done\n`,
  );
}
