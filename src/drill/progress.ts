import type { EmitEvent } from '../events.js';

/** Throttled progress events (bytes read, items restored): at most one per second per drill. */
export function createProgress(emit: EmitEvent, drill: string, step: string, intervalMs = 1000) {
  let last = 0;
  let items = 0;
  let bytes = 0;
  let totalBytes: number | undefined;
  const flush = (force = false) => {
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    emit({ type: 'step:progress', drill, step, bytes, totalBytes, items });
  };
  return {
    bytes: (read: number, total: number) => {
      bytes = read;
      totalBytes = total;
      flush();
    },
    item: (line: string) => {
      if (/processing (item|data for table)|creating /.test(line)) items++;
      flush();
    },
  };
}
