import { SourceError } from '../errors.js';
import type { ObjectInfo } from './object-store.js';

export interface PickBackupOptions {
  /** Which backup: the newest, the oldest, or one exact key. */
  pick: 'latest' | 'oldest' | { key: string };
  /** Only keys this matches (anywhere in the key) are candidates. */
  pattern?: RegExp;
  /** What "latest" means: the object's modification time, or a date written in its key. @default 'lastModified' */
  orderBy?: 'lastModified' | 'keyDate';
  /** Where the candidates were listed, for messages, e.g. `s3://prod-backups/daily/`. */
  where: string;
}

const SHOWN_KEYS = 20;
const CLOSEST_KEYS = 5;

/** Choose one backup among listed objects; ties are broken by key so the choice is reproducible. */
export function pickBackup(candidates: ObjectInfo[], options: PickBackupOptions): ObjectInfo {
  const { pick, pattern, where } = options;
  if (typeof pick === 'object') return pickExactKey(candidates, pick.key, where);
  const matching = pattern ? candidates.filter((c) => matchesPattern(pattern, c.key)) : candidates;
  const dated = matching
    .map((object) => ({ object, at: options.orderBy === 'keyDate' ? dateInKey(object.key) : object.lastModified }))
    .filter((d): d is { object: ObjectInfo; at: Date } => d.at !== undefined)
    .sort((a, b) => a.at.getTime() - b.at.getTime() || compareKeys(a.object.key, b.object.key));
  const chosen = pick === 'latest' ? dated.at(-1) : dated[0];
  if (chosen) return chosen.object;
  throw nothingToPick(candidates, matching.length, options);
}

// Date (with dashes or without) and an optional time (T, _, space or - before it; -, : or nothing between parts).
const DATE_IN_KEY =
  /(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?:[T_ -]?(\d{2})([-:]?)(\d{2})(?:\6(\d{2})(?:\.\d+)?)?Z?)?(?!\d)/g;

/**
 * The date and time (UTC) written in a key such as `daily/db-2026-11-20T143000Z.dump`, or undefined.
 * When a key holds several, the last one with a time wins, else the last date.
 */
export function dateInKey(key: string): Date | undefined {
  let best: { date: Date; hasTime: boolean } | undefined;
  for (const m of key.matchAll(DATE_IN_KEY)) {
    const [year, month, day, hour, minute, second] = [m[1], m[3], m[4], m[5], m[7], m[8]].map((p) =>
      p === undefined ? undefined : Number(p),
    );
    const date = toValidDate(year!, month!, day!, hour ?? 0, minute ?? 0, second ?? 0);
    if (!date) continue;
    const hasTime = hour !== undefined;
    if (hasTime || !best?.hasTime) best = { date, hasTime };
  }
  return best?.date;
}

function toValidDate(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): Date | undefined {
  if (year < 1970 || year > 2199 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2026-02-30 over to March: a round trip rejects impossible days and months.
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}

function pickExactKey(candidates: ObjectInfo[], key: string, where: string): ObjectInfo {
  const found = candidates.find((c) => c.key === key);
  if (found) return found;
  const closest = [...candidates]
    .map((c) => ({ c, distance: editDistance(c.key, key) }))
    .sort((a, b) => a.distance - b.distance || compareKeys(a.c.key, b.c.key))
    .slice(0, CLOSEST_KEYS)
    .map(({ c }) => describeObject(c));
  throw new SourceError(
    'BACKUP_NOT_FOUND',
    `The backup ${key} does not exist in ${where} (${candidates.length} objects there)`,
    {
      details: closest.length > 0 ? ['closest keys:', ...closest] : [],
      hint:
        candidates.length > 0
          ? 'check the key against the closest keys listed (keys are relative to the store root)'
          : 'the location is empty: check the store, bucket and prefix',
    },
  );
}

function nothingToPick(candidates: ObjectInfo[], matchingCount: number, options: PickBackupOptions): SourceError {
  const { pattern, where } = options;
  const what = pattern ? `No backup matching ${String(pattern)} in ${where}` : `No backup in ${where}`;
  let why: string;
  let hint: string;
  if (candidates.length === 0) {
    why = 'the location is empty (0 objects)';
    hint = 'check the store, bucket and prefix; the backup job may write somewhere else or may not have run';
  } else if (matchingCount === 0) {
    why = `${candidates.length} objects found, none matching the pattern`;
    hint = 'check the pattern against the keys listed (a regular expression tested against the whole key)';
  } else {
    why = `${matchingCount} objects match, but none has a date in its key`;
    hint =
      'orderBy: keyDate needs keys with a date such as 2026-11-20, 20261120 or 2026-11-20T14-30-00; use orderBy: lastModified otherwise';
  }
  return new SourceError('BACKUP_NOT_FOUND', `${what}: ${why}`, { details: listFound(candidates), hint });
}

/** The newest objects first, because that is where the missing backup is usually expected. */
function listFound(candidates: ObjectInfo[]): string[] {
  if (candidates.length === 0) return [];
  const newest = [...candidates].sort(
    (a, b) => b.lastModified.getTime() - a.lastModified.getTime() || compareKeys(a.key, b.key),
  );
  const lines = [`found ${candidates.length} objects:`, ...newest.slice(0, SHOWN_KEYS).map(describeObject)];
  if (candidates.length > SHOWN_KEYS) lines.push(`and ${candidates.length - SHOWN_KEYS} more`);
  return lines;
}

function describeObject(object: ObjectInfo): string {
  return `${object.key} (${formatBytes(object.size)}, ${object.lastModified.toISOString()})`;
}

export function formatBytes(size: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${size} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

// A fresh copy without the g/y flags: RegExp.test with them is stateful across calls.
function matchesPattern(pattern: RegExp, key: string): boolean {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(key);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
