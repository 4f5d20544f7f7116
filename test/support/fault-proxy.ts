import { EventEmitter, once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to a connection's response bytes (server → client) once `afterBytes` have passed:
 * `cut` ends the socket cleanly (FIN), `reset` sends RST, `stall` stops forwarding and keeps it open.
 */
export type FaultMode = 'cut' | 'reset' | 'stall' | 'none';

export interface FaultPlan {
  mode: FaultMode;
  /** Response bytes forwarded on a connection before the fault fires. */
  afterBytes: number;
  /** Which connections get the fault: every one, or only the first K (a one-shot fault is `1`). @default 'every' */
  connections?: 'every' | number;
  /** At most this many faults in all: the first N connections that reach `afterBytes` get one. */
  faults?: number;
}

export interface FaultEvent {
  connection: number;
  mode: FaultMode;
  bytes: number;
}

/**
 * A loopback TCP proxy in front of a server (TLS passes through untouched) that injects faults into
 * responses. Events: `connection` (number), `fault` (FaultEvent). Tests wait on these, never on sleeps.
 */
export class FaultProxy extends EventEmitter {
  plan: FaultPlan = { mode: 'none', afterBytes: 0 };
  connections = 0;
  faults: FaultEvent[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    super();
  }

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const proxy = new FaultProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.handle(client, target));
    return proxy;
  }

  /** `https://127.0.0.1:<port>` for a target served over HTTPS. */
  get endpoint(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Set the fault for connections opened from now on; resets the counters. */
  inject(plan: FaultPlan): void {
    this.plan = plan;
    this.connections = 0;
    this.faults = [];
  }

  /** Resolve once `count` faults have fired since the last `inject` (at once if they already have). */
  async waitForFaults(count = 1): Promise<FaultEvent[]> {
    while (this.faults.length < count) await once(this, 'fault');
    return this.faults.slice(0, count);
  }

  /** Drop every open connection (stalled ones included). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(client: Socket, target: { host: string; port: number }): void {
    const number = ++this.connections;
    const plan = this.plan;
    const faulty =
      plan.mode !== 'none' &&
      (plan.connections === undefined || plan.connections === 'every' || number <= plan.connections);
    const upstream = createConnection(target);
    this.sockets.add(client).add(upstream);
    const forget = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', forget);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    let forwarded = 0;
    let fired = false;
    upstream.on('data', (chunk: Buffer) => {
      if (fired) return;
      if (!faulty || forwarded + chunk.length < plan.afterBytes || this.faults.length >= (plan.faults ?? Infinity)) {
        forwarded += chunk.length;
        if (!client.write(chunk)) {
          upstream.pause();
          client.once('drain', () => upstream.resume());
        }
        return;
      }
      const head = chunk.subarray(0, plan.afterBytes - forwarded);
      forwarded += head.length;
      fired = true;
      const event: FaultEvent = { connection: number, mode: plan.mode, bytes: forwarded };
      // Recorded before acting: a write callback may never run once the socket is reset or closed.
      this.faults.push(event);
      this.emit('fault', event);
      if (plan.mode === 'cut') {
        upstream.removeAllListeners('close');
        upstream.destroy();
        client.end(head);
      } else if (plan.mode === 'reset') {
        upstream.removeAllListeners('close');
        upstream.destroy();
        client.write(head, () => client.resetAndDestroy());
      } else {
        // stall: keep both sockets open and forward nothing more.
        client.write(head);
      }
    });
    upstream.on('end', () => {
      if (!fired) client.end();
    });
    this.emit('connection', number);
  }
}
