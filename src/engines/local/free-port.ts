import { createServer } from 'node:net';

// Ports handed out lately, so concurrent drills in this process never pick the same one before either binds.
const recent = new Map<number, number>();
const RECENT_MS = 60_000;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it) and that this process has not
 * handed out in the last minute. Another process can take it before the server binds, so callers retry
 * on "could not bind".
 */
export async function findFreePort(): Promise<number> {
  const now = Date.now();
  for (const [port, at] of recent) if (now - at > RECENT_MS) recent.delete(port);
  for (;;) {
    const port = await askKernel();
    if (recent.has(port)) continue;
    recent.set(port, now);
    return port;
  }
}

function askKernel(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() =>
        port === undefined ? reject(new Error('the kernel returned no port for 127.0.0.1:0')) : resolve(port),
      );
    });
  });
}
