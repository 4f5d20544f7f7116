import { z } from 'zod';

/** The WAL prefetch window every physical source offers: segments fetched ahead of recovery, 0 for none. */
export function walPrefetchOption(description: string) {
  return z.number().int().min(0).max(64).default(8).describe(description);
}
