/**
 * restore_command for WAL archives pgdrill reads itself (raw segments in S3 or a directory, optionally
 * .gz): `node fetch-wal.js <base64 JSON {store, prefix}> %f %p`. It fetches one segment on demand.
 * Exit 1 when the segment is not archived (PostgreSQL takes that as the end of the archive). Any other
 * failure (storage unreachable, a corrupt .gz) exits 128 with the reason on stderr: PostgreSQL treats an
 * exit status above 125 as fatal, so recovery stops loudly instead of promoting early at the failure.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createStore } from '../storage/create-store.js';
import type { FetchWalConfig } from './fetch-wal-config.js';

async function main(): Promise<number> {
  const [encoded, file, destination] = process.argv.slice(2);
  if (!encoded || !file || !destination) {
    process.stderr.write('pgdrill fetch-wal: usage: fetch-wal <config> %f %p\n');
    return 128;
  }
  const config = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as FetchWalConfig;
  const store = createStore(config.store);
  try {
    const base = config.prefix ? `${config.prefix.replace(/\/+$/, '')}/${file}` : file;
    for (const [key, gzip] of [[base, false], [`${base}.gz`, true]] as const) {
      if (!(await store.head(key))) continue;
      const temporary = `${destination}.pgdrill-partial`;
      try {
        const body = await store.read(key);
        await (gzip ? pipeline(body, createGunzip(), createWriteStream(temporary)) : pipeline(body, createWriteStream(temporary)));
        await rename(temporary, destination);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return 0;
    }
    return 1;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`pgdrill fetch-wal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(128);
  },
);
