import type { Queryable } from '../check.js';
import { formatQualifiedName, lookupTable, parseQualifiedName } from '../relation-names.js';
import { coversRange, readHypertable } from './hypertable-facts.js';

export interface ExpectedHypertable {
  name: string;
  minChunks?: number;
  timeRange?: { from?: string; to?: string };
  compression?: { segmentby?: string[]; orderby?: string[]; minCompressedChunks?: number };
}

// The view quotes orderby columns as format('%I') does: `"time" DESC`.
const unquote = (ident: string) => (ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident);

/** What was measured (one line for the details) and every way it falls short of the expectation. */
export async function evaluateHypertable(
  db: Queryable,
  expected: ExpectedHypertable,
): Promise<{ line: string; problems: string[] }> {
  const name = parseQualifiedName(expected.name);
  const label = formatQualifiedName(name);
  const facts = await readHypertable(db, name);
  if (!facts) {
    const table = await lookupTable(db, name);
    const why = table
      ? `${label} exists but is not a hypertable (not in timescaledb_information.hypertables)`
      : `hypertable ${label} does not exist`;
    return { line: `${label}: ${table ? 'plain table' : 'missing'}`, problems: [why] };
  }
  const range = facts.from === null ? 'no time range' : `${facts.from} .. ${facts.to}`;
  const compression = facts.compressionEnabled
    ? `compression segmentby [${facts.segmentby.join(', ')}] orderby [${facts.orderby.join(', ')}], ${facts.compressedChunks} compressed`
    : 'compression off';
  const line = `${label}: ${facts.chunks} chunk${facts.chunks === 1 ? '' : 's'}, ${range}, ${compression}`;
  const problems: string[] = [];
  if (expected.minChunks !== undefined && facts.chunks < expected.minChunks)
    problems.push(`${label} has ${facts.chunks} chunks, expected at least ${expected.minChunks}`);
  if (expected.timeRange && !(await coversRange(db, facts, expected.timeRange)))
    problems.push(
      `${label} chunks cover ${range}, expected to cover ${expected.timeRange.from ?? '-infinity'} .. ${expected.timeRange.to ?? 'infinity'}`,
    );
  const want = expected.compression;
  if (want && !facts.compressionEnabled) problems.push(`${label} has compression disabled, expected it enabled`);
  else if (want) {
    const missingSegment = (want.segmentby ?? []).filter((c) => !facts.segmentby.includes(c));
    if (missingSegment.length > 0)
      problems.push(`${label} segments by [${facts.segmentby.join(', ')}], expected [${want.segmentby!.join(', ')}]`);
    // `time` matches an actual `time DESC`: users name columns; the direction is optional.
    const orderMatches = (w: string) =>
      facts.orderby.some((a) => a.toLowerCase() === w.toLowerCase() || unquote(a.split(' ')[0]!) === w);
    if (!(want.orderby ?? []).every(orderMatches))
      problems.push(`${label} orders by [${facts.orderby.join(', ')}], expected [${want.orderby!.join(', ')}]`);
    if (want.minCompressedChunks !== undefined && facts.compressedChunks < want.minCompressedChunks)
      problems.push(
        `${label} has ${facts.compressedChunks} compressed chunks, expected at least ${want.minCompressedChunks}`,
      );
  }
  return { line, problems };
}
