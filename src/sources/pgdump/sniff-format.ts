export type Compression = 'none' | 'gzip' | 'zstd';
export type DumpFormat = 'custom' | 'tar' | 'plain' | 'directory';

/** Outer compression from the first bytes of a file. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** pg_dump format from the first bytes of the (decompressed) archive; undefined when unrecognised. */
export function sniffFormat(head: Buffer): Exclude<DumpFormat, 'directory'> | undefined {
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'custom';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  const text = head.subarray(0, 4096).toString('utf8');
  if (/^(\uFEFF)?\s*(--|SET |SELECT |CREATE |\\connect|BEGIN)/.test(text)) return 'plain';
  return undefined;
}
