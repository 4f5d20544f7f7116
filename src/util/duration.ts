import { ConfigError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const PLAIN_SECONDS = /^\d+(?:\.\d+)?$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/y;

/**
 * Seconds in a duration written the way suites write them: `90s`, `15m`, `1h30m`, `1h 30m`, `2d`, `500ms`,
 * or a plain number of seconds (`90`, or the number 90 from YAML).
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text;
    throw invalidDuration(String(text));
  }
  const trimmed = text.trim();
  if (PLAIN_SECONDS.test(trimmed)) return Number(trimmed);
  let seconds = 0;
  let position = 0;
  while (position < trimmed.length) {
    PART.lastIndex = position;
    const match = PART.exec(trimmed);
    if (!match) throw invalidDuration(text);
    seconds += Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
    position = PART.lastIndex;
    while (trimmed[position] === ' ') position++;
  }
  if (position === 0) throw invalidDuration(text);
  return seconds;
}

export function isDuration(text: string | number): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** `42.1s`, `15m`, `1h 30m`, `2d 3h`: compact, for messages. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))}s`;
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.slice(0, 2).join(' ');
}

function invalidDuration(text: string): ConfigError {
  return new ConfigError('INVALID_DURATION', `"${text}" is not a duration`, {
    hint: 'write a number of seconds or units like 90s, 15m, 1h30m, 2d (ms, s, m, h, d, w)',
  });
}

/** For logs and summaries: `4.2 s`, `12m 5s`, `2h 3m`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${whole % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
