import { sniffCompression, sniffFormat } from '../sources/pgdump/sniff-format.js';
import type { ObjectStore } from '../storage/object-store.js';

export interface SniffedDump {
  /** custom, tar, plain, directory, or `unknown`. */
  format: string;
  compression: 'none' | 'gzip' | 'zstd';
  /** `openssl enc` output starts with `Salted__`. */
  encrypted: boolean;
}

/** What the first bytes of a stored dump say (a compressed dump's own format is read by the drill). */
export async function sniffDump(
  store: ObjectStore,
  object: { key: string; size: number },
  signal?: AbortSignal,
): Promise<SniffedDump> {
  // A ranged read of an empty object is refused (416) by S3: nothing to read anyway.
  if (object.size === 0) return { format: 'empty', compression: 'none', encrypted: false };
  const head = await readHead(store, object.key, Math.min(4096, object.size), signal);
  if (head.subarray(0, 8).toString('latin1') === 'Salted__')
    return { format: 'unknown', compression: 'none', encrypted: true };
  const compression = sniffCompression(head);
  return {
    format: compression === 'none' ? (sniffFormat(head) ?? 'unknown') : 'unknown',
    compression,
    encrypted: false,
  };
}

export async function readHead(store: ObjectStore, key: string, bytes: number, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = await store.read(key, { range: { start: 0, end: bytes - 1 }, signal });
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= bytes) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, bytes);
}
