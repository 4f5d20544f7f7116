import { ConfigError } from '../errors.js';
import { describeUrlSafely, postWithRetry } from '../notify/http-post.js';
import type { DrillMetricsGroup } from './metrics-registry.js';

export interface PushOptions {
  /** Base URL (credentials allowed: sent as basic auth, never printed). */
  url: string;
  job: string;
  timeoutMs: number;
  /** @default 1000 */
  backoffMs?: number;
  signal?: AbortSignal;
}

export interface PushResult {
  /** `pushgateway http://host:9091` (no credentials). */
  target: string;
  pushed: number;
  failures: string[];
}

/**
 * One POST per drill to `/metrics/job/<job>/suite/<s>/drill/<d>`. POST (not PUT) replaces only the metrics
 * sent, so a failing drill that omits its last-success time keeps the one the gateway already holds.
 */
export async function pushMetrics(groups: DrillMetricsGroup[], options: PushOptions): Promise<PushResult> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new ConfigError('PUSHGATEWAY_URL_INVALID', 'the Pushgateway URL is not a valid URL', {
      hint: 'expected http(s)://host:port, optionally with user:password@ (from urlEnv)',
    });
  }
  const target = `pushgateway ${describeUrlSafely(base)}`;
  const failures: string[] = [];
  let pushed = 0;
  for (const group of groups) {
    const url = new URL(base.href);
    url.pathname = `${base.pathname.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(options.job)}/${grouping('suite', group.suite)}/${grouping('drill', group.drill)}`;
    const result = await postWithRetry(url, group.text, {
      timeoutMs: options.timeoutMs,
      backoffMs: options.backoffMs,
      signal: options.signal,
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    });
    if (result.ok) pushed++;
    else
      failures.push(
        `drill ${group.drill} (suite ${group.suite}): ${result.reason} after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
      );
  }
  return { target, pushed, failures };
}

/** `label/value` in the URL path; values with `/` (or empty) use the gateway's `label@base64/…` form. */
function grouping(label: string, value: string): string {
  if (value === '' || value.includes('/')) return `${label}@base64/${Buffer.from(value).toString('base64url') || '='}`;
  return `${label}/${encodeURIComponent(value)}`;
}
