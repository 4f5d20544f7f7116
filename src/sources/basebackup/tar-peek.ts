import type { Readable } from 'node:stream';

/**
 * Find a small file near the start of a tar stream (PG_VERSION, backup_label) without reading the whole
 * archive: walk the 512-byte headers of the first `limit` bytes only.
 */
export async function peekTarFile(
  stream: Readable,
  wanted: string,
  limit = 8 * 1024 * 1024,
): Promise<string | undefined> {
  let buffer = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      buffer = Buffer.concat([buffer, chunk as Buffer]);
      const found = scan(buffer, wanted);
      if (found !== undefined) return found || undefined;
      if (buffer.length >= limit) return undefined;
    }
    return undefined;
  } finally {
    stream.destroy();
  }
}

// '' = the archive ended without it; undefined = need more bytes.
function scan(buffer: Buffer, wanted: string): string | undefined {
  let offset = 0;
  while (offset + 512 <= buffer.length) {
    const header = buffer.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return '';
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const size = parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    const full = (prefix ? `${prefix}/${name}` : name).replace(/^\.\//, '');
    const dataEnd = offset + 512 + size;
    if (full === wanted)
      return dataEnd <= buffer.length ? buffer.subarray(offset + 512, dataEnd).toString('utf8') : undefined;
    offset = offset + 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}
