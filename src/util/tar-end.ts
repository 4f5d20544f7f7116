/**
 * Walks tar headers as the bytes pass (sizes in octal or base-256, data padded to 512-byte blocks) to tell
 * whether the archive reached its end: two zero blocks where a header is due. A tool's exit status alone does
 * not prove it (pg_restore stops reading a tar before its end blocks), so the reader checks it.
 */
export function createTarEndWatch(): { feed(chunk: Buffer): void; ended(): boolean } {
  let skip = 0;
  let header = Buffer.alloc(0);
  let zeroBlocks = 0;
  let done = false;
  return {
    feed(chunk) {
      let offset = 0;
      while (offset < chunk.length && !done) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - offset);
          skip -= n;
          offset += n;
          continue;
        }
        const n = Math.min(512 - header.length, chunk.length - offset);
        header = Buffer.concat([header, chunk.subarray(offset, offset + n)]);
        offset += n;
        if (header.length < 512) continue;
        if (header.every((b) => b === 0)) {
          zeroBlocks++;
          done = zeroBlocks >= 2;
        } else {
          zeroBlocks = 0;
          skip = Math.ceil(entrySize(header) / 512) * 512;
        }
        header = Buffer.alloc(0);
      }
    },
    ended: () => done,
  };
}

function entrySize(header: Buffer): number {
  const field = header.subarray(124, 136);
  if (field[0]! & 0x80) {
    let size = field[0]! & 0x7f;
    for (const byte of field.subarray(1)) size = size * 256 + byte;
    return size;
  }
  return parseInt(field.toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
}
