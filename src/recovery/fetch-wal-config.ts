import { fileURLToPath } from 'node:url';
import type { StoreConfig } from '../storage/create-store.js';
import { shellQuote } from '../util/shell-quote.js';

/** PostgreSQL's default WAL segment size (initdb --wal-segsize changes it). */
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

export interface FetchWalConfig {
  store: StoreConfig;
  prefix: string;
  /** Size every fetched segment must have. @default the size the segment's first page states, else 16 MiB */
  walSegmentSize?: number;
}

/** The restore_command that runs fetch-wal.js with this node; the config travels in the command (no secrets). */
export function fetchWalCommand(config: FetchWalConfig): string {
  const script = fileURLToPath(new URL('./fetch-wal.js', import.meta.url));
  const encoded = Buffer.from(JSON.stringify(config)).toString('base64url');
  return `${shellQuote(process.execPath)} ${shellQuote(script)} ${encoded} %f %p`;
}
