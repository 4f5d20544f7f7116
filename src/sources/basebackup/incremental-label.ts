import { parseLsn } from '../../recovery/wal-segments.js';

/** What a backup_label says about where a backup starts and, for a PostgreSQL 17+ incremental one, its parent. */
export interface BackupLabel {
  /** `START WAL LOCATION`, e.g. `0/6000028`. */
  startLsn: string;
  /** The segment file named beside the start LSN. */
  startSegment: string;
  /** `START TIMELINE` (absent before PostgreSQL 11: then the segment's timeline). */
  startTimeline: number;
  /** `INCREMENTAL FROM LSN/TLI`: the START WAL LOCATION of the backup this one builds on. */
  incrementalFrom?: { lsn: string; timeline: number };
}

/** Parse a backup_label; undefined when it has no START WAL LOCATION (not a backup_label). */
export function parseBackupLabel(text: string): BackupLabel | undefined {
  const start = /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)/im.exec(text);
  if (!start) return undefined;
  const timeline = /^START TIMELINE: (\d+)/im.exec(text);
  const fromLsn = /^INCREMENTAL FROM LSN: ([0-9A-F]+\/[0-9A-F]+)/im.exec(text);
  const fromTli = /^INCREMENTAL FROM TLI: (\d+)/im.exec(text);
  return {
    startLsn: start[1]!.toUpperCase(),
    startSegment: start[2]!.toUpperCase(),
    startTimeline: timeline ? Number(timeline[1]) : parseInt(start[2]!.slice(0, 8), 16),
    incrementalFrom: fromLsn
      ? { lsn: fromLsn[1]!.toUpperCase(), timeline: fromTli ? Number(fromTli[1]) : Number.NaN }
      : undefined,
  };
}

/** Whether two LSN texts name the same position (`0/6000028` = `0/06000028`). */
export function sameLsn(a: string, b: string): boolean {
  return parseLsn(a) === parseLsn(b);
}
