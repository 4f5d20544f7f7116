/**
 * WAL segment names and arithmetic. A segment file is named TTTTTTTTXXXXXXXXYYYYYYYY: timeline, then the
 * high 32 bits of the LSN, then the segment number within that 4 GiB "log" (256 of them at 16 MiB).
 */
export interface WalSegment {
  timeline: number;
  /** Absolute segment number (LSN / segment size). */
  number: number;
  name: string;
}

export const DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;
const NAME =
  /(?:^|\/)([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(?:\.partial)?(?:-[0-9a-f]{40})?(?:\.(?:gz|lz4|zst|bz2|xz))?$/;

export function segmentsPerLog(segmentSize = DEFAULT_SEGMENT_SIZE): number {
  return 0x1_0000_0000 / segmentSize;
}

/** The segment a stored key holds (raw archive, pgBackRest `<name>-<sha1>.gz`, barman), or undefined. */
export function parseSegmentKey(key: string, segmentSize = DEFAULT_SEGMENT_SIZE): WalSegment | undefined {
  const m = NAME.exec(key);
  if (!m || key.endsWith('.partial')) return undefined;
  const timeline = parseInt(m[1]!, 16);
  const number = parseInt(m[2]!, 16) * segmentsPerLog(segmentSize) + parseInt(m[3]!, 16);
  return { timeline, number, name: `${m[1]}${m[2]}${m[3]}` };
}

export function segmentName(timeline: number, number: number, segmentSize = DEFAULT_SEGMENT_SIZE): string {
  const perLog = segmentsPerLog(segmentSize);
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(Math.floor(number / perLog))}${hex(number % perLog)}`;
}

/** `0/3000060` → absolute byte position. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(parseInt(hi!, 16)) << 32n) + BigInt(parseInt(lo!, 16));
}

export function segmentOfLsn(lsn: string, segmentSize = DEFAULT_SEGMENT_SIZE): number {
  return Number(parseLsn(lsn) / BigInt(segmentSize));
}

export interface WalCoverage {
  first?: WalSegment;
  last?: WalSegment;
  /** Segment names absent between `from` and the end (or `to`), in order. */
  missing: string[];
  count: number;
}

/**
 * Which segments the archive holds from `from` (the backup's first segment) on, and which are missing
 * before `to` (default: the newest archived one). A segment counts when any timeline holds it.
 */
export function walCoverage(
  segments: WalSegment[],
  options: { from: number; to?: number; timeline: number; segmentSize?: number },
): WalCoverage {
  const numbers = new Set(segments.map((s) => s.number));
  const sorted = [...segments].sort((a, b) => a.number - b.number || a.timeline - b.timeline);
  const after = sorted.filter((s) => s.number >= options.from);
  const end = options.to ?? after.at(-1)?.number ?? options.from;
  const missing: string[] = [];
  for (let n = options.from; n <= end && missing.length < 50; n++)
    if (!numbers.has(n)) missing.push(segmentName(options.timeline, n, options.segmentSize));
  return { first: after[0], last: after.at(-1), missing, count: after.length };
}
