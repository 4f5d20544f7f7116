import { SourceError } from '../../errors.js';
import { parseLsn } from '../../recovery/wal-segments.js';
import { sameLsn, type BackupLabel } from './incremental-label.js';

/** One backup of a chain: its directory and what its backup_label (and manifest) say. */
export interface ChainMember {
  key: string;
  label: BackupLabel;
  /** `System-Identifier` of its backup_manifest (version 2, PostgreSQL 17+), when it has one. */
  systemId?: string;
}

/** Whether `child` was taken as an incremental on top of `parent` (pg_combinebackup's own test). */
export function buildsOn(child: ChainMember, parent: ChainMember): boolean {
  const from = child.label.incrementalFrom;
  return from !== undefined && from.timeline === parent.label.startTimeline && sameLsn(from.lsn, parent.label.startLsn);
}

/**
 * An ordered chain must be one full backup followed by incrementals, each taken on top of the one before it
 * (its INCREMENTAL FROM LSN/TLI = the previous backup's START WAL LOCATION/TIMELINE), all of one cluster.
 * The first broken link is BACKUP_CHAIN_BROKEN naming both backups, before anything is downloaded.
 */
export function checkChain(chain: ChainMember[], where: string): void {
  const [first, ...rest] = chain;
  if (!first) return;
  if (first.label.incrementalFrom)
    throw new SourceError(
      'BACKUP_CHAIN_BROKEN',
      `${where}/${first.key} is an incremental backup (INCREMENTAL FROM LSN ${first.label.incrementalFrom.lsn}), not a full one: a chain starts with a full backup`,
      { hint: 'point key at the full backup the chain starts from and list the incrementals, oldest first' },
    );
  rest.forEach((member, i) => {
    const previous = chain[i]!;
    if (first.systemId && member.systemId && member.systemId !== first.systemId)
      throw new SourceError(
        'BACKUP_CHAIN_BROKEN',
        `${where}/${member.key} comes from another cluster (system identifier ${member.systemId}) than ${first.key} (${first.systemId})`,
        {
          hint: 'a chain combines backups of one cluster only: list the incrementals taken on top of this full backup',
        },
      );
    if (!member.label.incrementalFrom)
      throw new SourceError(
        'BACKUP_CHAIN_BROKEN',
        `${where}/${member.key} is a full backup (its backup_label has no INCREMENTAL FROM LSN) but is listed as incremental ${i + 1}, after ${previous.key}`,
        { hint: 'only the first backup of a chain is a full one: start the chain (key) at this backup, or remove it' },
      );
    if (!buildsOn(member, previous)) throw brokenLink(chain, i + 1, where);
  });
}

function brokenLink(chain: ChainMember[], at: number, where: string): SourceError {
  const member = chain[at]!;
  const previous = chain[at - 1]!;
  const from = member.label.incrementalFrom!;
  const parent = chain.find((other) => other !== member && buildsOn(member, other));
  const inOrder = orderChain(chain);
  if (parent)
    return new SourceError(
      'BACKUP_CHAIN_BROKEN',
      `the chain is out of order: ${where}/${member.key} builds on ${parent.key} (its INCREMENTAL FROM LSN ${from.lsn} is the start of ${parent.key}), but is listed after ${previous.key}`,
      {
        details: inOrder ? [`in order: ${inOrder.map((m) => m.key).join(' ← ')}`] : [],
        hint: 'list incrementals oldest first, each after the backup it was taken on top of (pg_basebackup --incremental=<its backup_manifest>)',
      },
    );
  return new SourceError(
    'BACKUP_CHAIN_BROKEN',
    `${where}/${member.key} builds on a backup that started at LSN ${from.lsn} on timeline ${from.timeline}, which is not in the chain: the backup before it, ${previous.key}, started at ${previous.label.startLsn} on timeline ${previous.label.startTimeline}; an incremental between them is missing`,
    {
      details: chain.map((m) => `${m.key}: starts at ${m.label.startLsn}${describeParent(m)}`),
      hint: `add the backup whose backup_label says START WAL LOCATION: ${from.lsn} to incrementals, between ${previous.key} and ${member.key}; if it is gone, the chain cannot be restored past ${previous.key}: take a new full backup`,
    },
  );
}

/** The members in chain order (full first), when they form exactly one chain; undefined otherwise. */
export function orderChain(members: ChainMember[]): ChainMember[] | undefined {
  const fulls = members.filter((m) => !m.label.incrementalFrom);
  if (fulls.length !== 1) return undefined;
  const ordered = [fulls[0]!];
  for (;;) {
    const children = members.filter((m) => buildsOn(m, ordered.at(-1)!));
    if (children.length !== 1) break;
    ordered.push(children[0]!);
  }
  return ordered.length === members.length ? ordered : undefined;
}

export function describeParent(member: ChainMember): string {
  const from = member.label.incrementalFrom;
  return from ? `, incremental from ${from.lsn} (timeline ${from.timeline})` : ', full';
}

export interface DiscoverChainOptions {
  /** The chain's newest backup (picked by key or by latest/oldest under the prefix). */
  newest: ChainMember;
  /** Other backup directories where parents may be, most likely first (newest first). */
  candidates: string[];
  /** Read one candidate's label (and manifest head); undefined when it has no backup_label. */
  read(key: string): Promise<ChainMember | undefined>;
  where: string;
}

/**
 * Walk from the newest backup back to a full one: each parent is the candidate whose START WAL LOCATION is the
 * child's INCREMENTAL FROM LSN. Labels are read lazily, so a full newest backup reads nothing more.
 */
export async function discoverChain(options: DiscoverChainOptions): Promise<ChainMember[]> {
  const chain = [options.newest];
  const read = new Map<string, ChainMember | undefined>();
  for (let from = options.newest.label.incrementalFrom; from; from = chain[0]!.label.incrementalFrom) {
    const child = chain[0]!;
    let parent: ChainMember | undefined;
    for (const key of options.candidates) {
      if (chain.some((m) => m.key === key)) continue;
      if (!read.has(key)) read.set(key, await options.read(key));
      const candidate = read.get(key);
      if (candidate && buildsOn(child, candidate)) {
        parent = candidate;
        break;
      }
    }
    if (!parent)
      throw missingParent(
        child,
        [...read.values()].filter((m) => m !== undefined),
        options.where,
      );
    chain.unshift(parent);
  }
  checkChain(chain, options.where);
  return chain;
}

function missingParent(child: ChainMember, seen: ChainMember[], where: string): SourceError {
  const from = child.label.incrementalFrom!;
  return new SourceError(
    'BACKUP_CHAIN_BROKEN',
    `${child.key} builds on a backup that started at LSN ${from.lsn} on timeline ${from.timeline}, and no backup under ${where} started there (${seen.length} other backup${seen.length === 1 ? '' : 's'} read)`,
    {
      details: seen.map((m) => `${m.key}: starts at ${m.label.startLsn}${describeParent(m)}`),
      hint: `the backup it was taken on top of (backup_label START WAL LOCATION: ${from.lsn}) is missing or was deleted: the chain cannot be restored past it; keep every backup of a chain until a newer full backup replaces it`,
    },
  );
}

/**
 * `pick: latest` goes by object time, which an upload out of backup order (many backups synced at once) gets
 * wrong; a backup taken on top of the chain's newest is newer still. Follow such backups to the real newest
 * one; of two taken on one parent (an incremental repeated), the one that started later.
 */
export async function extendChain(
  chain: ChainMember[],
  candidates: string[],
  read: (key: string) => Promise<ChainMember | undefined>,
): Promise<ChainMember[]> {
  const extended = [...chain];
  for (;;) {
    const tip = extended.at(-1)!;
    let child: ChainMember | undefined;
    for (const key of candidates) {
      if (extended.some((m) => m.key === key)) continue;
      const candidate = await read(key);
      if (candidate && buildsOn(candidate, tip) && (!child || startsAfter(candidate, child))) child = candidate;
    }
    if (!child) return extended;
    extended.push(child);
  }
}

function startsAfter(a: ChainMember, b: ChainMember): boolean {
  return parseLsn(a.label.startLsn) > parseLsn(b.label.startLsn);
}
