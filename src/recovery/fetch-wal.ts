/**
 * One WAL file fetched in a process of its own: `node fetch-wal.js <base64 JSON {store, prefix}> %f %p`
 * (raw segments in S3 or a directory, optionally .gz). No drill runs it as restore_command any more: with
 * `wal.prefetch: 0` too, files are fetched in pgdrill's own process (wal-prefetch.ts, a window of 0), which
 * reads what the server's OS user may not and puts no credentials in the server's environment. It remains
 * the process the fault tests drive fetchWalFile through, with restore_command's exit convention:
 * Exit 1 when the segment is not archived (PostgreSQL takes that as the end of the archive). Any other
 * failure (storage unreachable, a read cut short, a corrupt .gz, a segment of the wrong size) exits 128
 * with the reason on stderr: PostgreSQL treats an exit status above 125 as fatal, so recovery stops loudly
 * instead of promoting early at the failure. A segment counts only when every stored byte was read and the
 * file written is a whole segment.
 */
import { isDrillError } from '../errors.js';
import { createStore } from '../storage/create-store.js';
import type { FetchWalConfig } from './fetch-wal-config.js';
import { fetchWalFile } from './fetch-wal-file.js';

async function main(): Promise<number> {
  const [encoded, file, destination] = process.argv.slice(2);
  if (!encoded || !file || !destination) {
    process.stderr.write('pgdrill fetch-wal: usage: fetch-wal <config> %f %p\n');
    return 128;
  }
  const config = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as FetchWalConfig;
  const store = createStore(config.store);
  try {
    const result = await fetchWalFile({
      store,
      prefix: config.prefix,
      file,
      destination,
      walSegmentSize: config.walSegmentSize,
      onResume: (line) => process.stderr.write(`${line}\n`),
    });
    return result.found ? 0 : 1;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text = isDrillError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`pgdrill fetch-wal: ${text}\n`);
    process.exit(128);
  },
);
