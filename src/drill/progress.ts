import type { EmitEvent } from '../events.js';

/** Told of every bit of progress, unthrottled (the stall watch). */
export interface ProgressListener {
  beat(what: string): void;
}

/** Throttled progress events (bytes read, items restored): at most one per second per drill. */
export function createProgress(
  emit: EmitEvent,
  drill: string,
  step: string,
  intervalMs = 1000,
  listener?: ProgressListener,
) {
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
      // The same count again (a retry that reads nothing) is no progress.
      if (read !== bytes || total !== totalBytes) listener?.beat(`${mib(read)} of ${mib(total)} read`);
      bytes = read;
      totalBytes = total;
      flush();
    },
    item: (line: string) => {
      if (/processing (item|data for table)|creating /.test(line)) items++;
      listener?.beat(`${line.trim().slice(0, 160)} (item ${items})`);
      flush();
    },
  };
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
