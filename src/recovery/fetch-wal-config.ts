import { fileURLToPath } from 'node:url';
import type { StoreConfig } from '../storage/create-store.js';
import { shellQuote } from '../util/shell-quote.js';

export interface FetchWalConfig {
  store: StoreConfig;
  prefix: string;
}

/** The restore_command that runs fetch-wal.js with this node; the config travels in the command (no secrets). */
export function fetchWalCommand(config: FetchWalConfig): string {
  const script = fileURLToPath(new URL('./fetch-wal.js', import.meta.url));
  const encoded = Buffer.from(JSON.stringify(config)).toString('base64url');
  return `${shellQuote(process.execPath)} ${shellQuote(script)} ${encoded} %f %p`;
}
