export interface PostOptions {
  /** Attempts in all. @default 3 */
  attempts?: number;
  /** Per-attempt timeout in ms. @default 10000 */
  timeoutMs?: number;
  /** First retry delay; doubled each retry. @default 1000 */
  backoffMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PostResult {
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt, if one answered. */
  status?: number;
  /** Why the last attempt failed, without the URL: `HTTP 500`, `timed out after 10000 ms`, `ECONNREFUSED`. */
  reason?: string;
}

/**
 * POST with a per-attempt timeout, retrying with exponential backoff on 5xx, 429 and network errors; other
 * 4xx are the request's fault and are not retried. Never throws: a delivery failure is a result the caller
 * reports. Errors never include the URL, which may be a secret (webhook tokens, basic auth).
 */
export async function postWithRetry(url: URL, body: string, options: PostOptions = {}): Promise<PostResult> {
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { bare, auth } = splitCredentials(url);
  let last: PostResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep((options.backoffMs ?? 1000) * 2 ** (attempt - 2), options.signal);
    last = { ...(await postOnce(bare, auth, body, timeoutMs, options)), attempts: attempt };
    if (last.ok || !retryable(last.status)) return last;
    if (options.signal?.aborted) return last;
  }
  return last;
}

async function postOnce(
  url: URL,
  auth: string | undefined,
  body: string,
  timeoutMs: number,
  options: PostOptions,
): Promise<Omit<PostResult, 'attempts'>> {
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])]);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pgdrill',
        ...options.headers,
        ...(auth ? { authorization: auth } : {}),
      },
      signal,
      redirect: 'error',
    });
    // Drain the body so the socket is released; its content is not needed (and may echo the request).
    await response.arrayBuffer().catch(() => undefined);
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, status: response.status, reason: `HTTP ${response.status}` };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    if (e.name === 'AbortError') return { ok: false, reason: 'cancelled' };
    return { ok: false, reason: e.cause?.code ?? e.name ?? 'network error' };
  }
}

/** fetch refuses URLs with credentials: move `user:pass@` into a basic Authorization header. */
function splitCredentials(url: URL): { bare: URL; auth?: string } {
  if (!url.username && !url.password) return { bare: url };
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  const token = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
    'base64',
  );
  return { bare, auth: `Basic ${token}` };
}

function retryable(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** `https://hooks.example.com/…` without user, password, path or query: safe to print. */
export function describeUrlSafely(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
