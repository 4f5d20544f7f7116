import type { DrillEvent } from './light-api.js';
import { formatSeconds } from './light-api.js';

type Formatters = { [K in DrillEvent['type']]: (event: Extract<DrillEvent, { type: K }>) => string | undefined };

const MARK = { passed: '✓', failed: '✗', error: '!', skipped: '-' } as const;

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** One formatter per event type: a new event without a formatter here does not compile. */
const formatters: Formatters = {
  'run:start': (e) =>
    `pgdrill: suite ${e.suite}: ${e.drills.length} drill${e.drills.length === 1 ? '' : 's'} ${e.engine === 'none' ? 'without a server' : `on the ${e.engine} engine`} (${e.engineReason})`,
  'drill:start': (e) => `▶ ${e.drill}`,
  'step:start': (e) => `  ${e.step}: ${e.detail ?? ''}`,
  'step:progress': (e) =>
    `  ${e.step}: ${e.bytes !== undefined ? `${mib(e.bytes)}${e.totalBytes ? ` of ${mib(e.totalBytes)} (${Math.round((100 * e.bytes) / e.totalBytes)}%)` : ''}` : ''}${e.items ? ` · ${e.items} items` : ''}`,
  'step:end': (e) =>
    `  ${MARK[e.status]} ${e.step} ${e.status} in ${formatSeconds(e.durationMs / 1000)}${e.message ? `: ${e.message}` : ''}`,
  'check:end': (e) => `  ${MARK[e.check.status]} ${e.check.name}: ${e.check.message}`,
  warning: (e) => `  warning${e.drill ? ` (${e.drill})` : ''}: ${e.message}`,
  note: (e) => `pgdrill: ${e.message}`,
  'drill:end': (e) =>
    `${MARK[e.result.status]} ${e.result.name} ${e.result.status} in ${formatSeconds(e.result.durationMs / 1000)}`,
  'run:end': () => undefined,
};

/**
 * Events → stderr. On a TTY progress rewrites one line; elsewhere (CI logs) progress is a plain line at
 * most every 10 seconds so logs stay readable.
 */
export function createEventRenderer(
  stream: NodeJS.WriteStream = process.stderr,
  options: { tagDrills?: boolean; redact?: (text: string) => string } = {},
) {
  const tty = stream.isTTY === true;
  let progressShown = false;
  let lastPlainProgress = 0;
  return (event: DrillEvent): void => {
    const raw = (formatters[event.type] as (e: DrillEvent) => string | undefined)(event);
    if (raw === undefined) return;
    // runSuites redacts its own events; this also covers what the CLI emits after the run (history, notifications).
    const formatted = options.redact ? options.redact(raw) : raw;
    // Drills running at once interleave their lines: each line names its drill.
    const text =
      options.tagDrills && 'drill' in event && event.drill && event.type !== 'drill:start'
        ? `[${event.drill}] ${formatted.trimStart()}`
        : formatted;
    if (event.type === 'step:progress') {
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        progressShown = true;
      } else if (Date.now() - lastPlainProgress >= 10_000) {
        lastPlainProgress = Date.now();
        stream.write(`${text}\n`);
      }
      return;
    }
    if (progressShown) {
      stream.write('\r\x1b[2K');
      progressShown = false;
    }
    stream.write(`${text}\n`);
  };
}
