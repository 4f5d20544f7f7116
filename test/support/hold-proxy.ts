import { EventEmitter, once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Held {
  client: Socket;
  upstream: Socket;
  pending: Buffer[];
  upstreamEnded: boolean;
}

/**
 * A loopback TCP proxy (TLS passes through) that can hold a response back: the first connection to deliver
 * `afterBytes` response bytes after `hold()` keeps the rest until `release()`, even when the server closes
 * its side meanwhile. Unlike a stall, nothing times out: the reader sees its bytes only when the test says.
 * Events: `held` (once a connection is held), `closed` (the held connection's client went away).
 */
export class HoldProxy extends EventEmitter {
  private plan: { afterBytes: number } | undefined;
  private held: Held | undefined;
  private refuse = false;
  private readonly sockets = new Set<Socket>();
  /** The held connection's client closed it before release (it gave up reading). */
  heldClosedByClient = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    super();
  }

  static async start(target: { host: string; port: number }): Promise<HoldProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const proxy = new HoldProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.handle(client, target));
    return proxy;
  }

  get endpoint(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Hold the first connection that delivers `afterBytes` from now on; resolves when one is held. */
  hold(afterBytes: number): Promise<void> {
    this.plan = { afterBytes };
    this.held = undefined;
    this.heldClosedByClient = false;
    return once(this, 'held').then(() => undefined);
  }

  /** Deliver what was held and forward as usual from now on. */
  release(): void {
    const held = this.held;
    this.plan = undefined;
    this.held = undefined;
    if (!held) return;
    for (const chunk of held.pending) held.client.write(chunk);
    if (held.upstreamEnded || held.upstream.destroyed) held.client.end();
  }

  /** Reset the held connection and every one opened from now on: reads through the proxy fail for good. */
  failAll(): void {
    this.refuse = true;
    this.plan = undefined;
    this.held?.client.resetAndDestroy();
    this.held = undefined;
  }

  /** Forward normally again. */
  reset(): void {
    this.refuse = false;
    this.release();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(client: Socket, target: { host: string; port: number }): void {
    if (this.refuse) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    this.sockets.add(client).add(upstream);
    let forwarded = 0;
    let mine: Held | undefined;
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      upstream.destroy();
      if (mine && this.held === mine) {
        this.heldClosedByClient = true;
        this.emit('closed');
      }
    });
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (mine && this.held === mine) {
        mine.pending.push(chunk);
        return;
      }
      const plan = this.plan;
      if (plan && !this.held && forwarded + chunk.length >= plan.afterBytes) {
        const head = chunk.subarray(0, Math.max(0, plan.afterBytes - forwarded));
        mine = { client, upstream, pending: [chunk.subarray(head.length)], upstreamEnded: false };
        this.held = mine;
        forwarded += head.length;
        client.write(head);
        this.emit('held');
        return;
      }
      forwarded += chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', () => {
      if (mine && this.held === mine) mine.upstreamEnded = true;
      else client.end();
    });
    // A server closing its side of a held connection does not close the client's: the bytes are still owed.
    upstream.on('close', () => {
      if (!(mine && this.held === mine) && !client.writableEnded) client.destroy();
    });
  }
}
