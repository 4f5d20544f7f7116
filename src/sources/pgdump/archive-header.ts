import type { DumpFormat } from './sniff-format.js';

/** What the header of a custom, tar or directory archive says before any pg_restore reads it. */
export interface ArchiveHeader {
  /** The archive format version, e.g. "1.16.0" (pg_restore N refuses versions newer than its own). */
  formatVersion: string;
  /** The pg_dump that wrote it, e.g. "17.7 (Debian 17.7-3)". */
  dumpVersion?: string;
  /** Its major: a pg_restore of this major or newer reads the archive. */
  dumpMajor?: number;
}

/**
 * Parse the archive header that pg_dump writes first (WriteHead in pg_backup_archiver.c): magic "PGDMP",
 * format version, int and offset sizes, format, compression, creation time, database name, server version
 * and pg_dump version. Custom archives start with it; a tar archive's first member (toc.dat) and a directory
 * archive's toc.dat do too. Undefined when the bytes are not (all of) a header.
 */
export function readArchiveHeader(bytes: Buffer, format: Exclude<DumpFormat, 'plain'>): ArchiveHeader | undefined {
  const start = format === 'tar' ? 512 : 0;
  if (bytes.subarray(start, start + 5).toString('latin1') !== 'PGDMP') return undefined;
  let at = start + 5;
  const byte = (): number => {
    if (at >= bytes.length) throw new RangeError('short header');
    return bytes[at++]!;
  };
  try {
    const [major, minor, rev] = [byte(), byte(), byte()];
    const version = major * 10_000 + minor * 100 + rev;
    const intSize = byte();
    if (intSize < 1 || intSize > 8) return undefined;
    // Sign byte, then the magnitude least significant byte first.
    const int = (): number => {
      const negative = byte() !== 0;
      let value = 0;
      for (let i = 0; i < intSize; i++) value += byte() * 2 ** (8 * i);
      return negative ? -value : value;
    };
    const str = (): string | undefined => {
      const length = int();
      if (length < 0) return undefined;
      if (at + length > bytes.length) throw new RangeError('short header');
      const text = bytes.subarray(at, at + length).toString('utf8');
      at += length;
      return text;
    };
    const formatVersion = `${major}.${minor}.${rev}`;
    if (version >= 10_700) byte(); // offset size
    byte(); // format
    if (version >= 11_500)
      byte(); // compression algorithm
    else if (version >= 10_200) int(); // compression level
    if (version < 11_000) return { formatVersion };
    for (let i = 0; i < 7; i++) int(); // creation time: sec, min, hour, mday, mon, year, isdst
    str(); // database name
    str(); // server version
    const dumpVersion = str();
    const dumpMajor = dumpVersion ? Number.parseInt(dumpVersion, 10) : undefined;
    return { formatVersion, dumpVersion, dumpMajor: Number.isFinite(dumpMajor) ? dumpMajor : undefined };
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
