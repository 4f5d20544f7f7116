import type { StoreConfig } from '../storage/create-store.js';

/** PostgreSQL's default WAL segment size (initdb --wal-segsize changes it). */
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

export interface FetchWalConfig {
  store: StoreConfig;
  prefix: string;
  /** Size every fetched segment must have. @default the size the segment's first page states, else 16 MiB */
  walSegmentSize?: number;
}
