import { readFile } from 'node:fs/promises';
import { CommandError, type EngineError } from '../../errors.js';
import { runCommand, tailOf, type CommandResult, type RunCommandOptions } from '../../process/run-command.js';
import { explainServerDeath } from '../server-death.js';
import type { ClientTool, ConnectionInfo, StartedServer } from '../engine.js';
import { dockerExec } from './docker-exec.js';

/** Where the server listens inside its container: clients run there, next to it. */
export const CONTAINER_PORT = 5432;

export interface StartedDockerServerInit {
  major: number;
  version: string;
  image: string;
  containerId: string;
  /** Host side: 127.0.0.1 and the published port. */
  connection: ConnectionInfo;
  logPath: string;
  /** Stops and removes the container (and its volumes) and the engine's files; safe to call more than once. */
  teardown: () => Promise<void>;
}

/** A server in a container; its client tools run inside it (`docker exec`), so their major is the server's. */
export class StartedDockerServer implements StartedServer {
  readonly kind = 'docker' as const;
  readonly major: number;
  readonly version: string;
  readonly image: string;
  readonly containerId: string;
  readonly connection: ConnectionInfo;
  readonly logPath: string;
  readonly #teardown: () => Promise<void>;
  #stopping = false;

  constructor(init: StartedDockerServerInit) {
    this.major = init.major;
    this.version = init.version;
    this.image = init.image;
    this.containerId = init.containerId;
    this.connection = init.connection;
    this.logPath = init.logPath;
    this.#teardown = init.teardown;
  }

  /** The tool's name inside the container (on its PATH); it is not a path on this machine. */
  clientPath(tool: ClientTool): string {
    return tool;
  }

  /** How a client on this machine reaches the server: the published loopback port. */
  clientEnv(database: string = this.connection.database): Record<string, string> {
    return { ...this.#baseEnv(database), PGHOST: this.connection.host, PGPORT: String(this.connection.port) };
  }

  /** A client that failed because the container or a server process died gives SERVER_DIED, not the tool's error. */
  async runClient(tool: ClientTool, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
    const env = {
      ...this.#baseEnv(this.connection.database),
      PGHOST: '127.0.0.1',
      PGPORT: String(CONTAINER_PORT),
      PSQLRC: '/dev/null',
      HOME: '/tmp',
      ...definedOnly(options.env),
    };
    try {
      return await dockerExec({
        containerId: this.containerId,
        command: tool,
        args,
        env,
        options: { ...options, env: undefined, secrets: [this.connection.password, ...(options.secrets ?? [])] },
      });
    } catch (error) {
      if (!(error instanceof CommandError) || options.signal?.aborted) throw error;
      throw (await this.explainDeath(tool, error)) ?? error;
    }
  }

  async explainDeath(what: string, error: Error): Promise<EngineError | undefined> {
    if (this.#stopping) return undefined;
    const probe = async () => {
      const running = await runCommand('docker', ['inspect', '-f', '{{.State.Running}}', this.containerId], {
        timeoutMs: 15_000,
      }).then(
        (r) => r.stdout.trim() === 'true',
        () => false,
      );
      return { gone: !running, what: `container ${this.containerId.slice(0, 12)}` };
    };
    return explainServerDeath({ probe, logPath: this.logPath, tool: what, error, engine: 'docker' });
  }

  describe(database: string = this.connection.database): string {
    const { user, host, port } = this.connection;
    return `postgresql://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}`;
  }

  async logTail(lines = 20): Promise<string[]> {
    return tailOf(await readFile(this.logPath, 'utf8').catch(() => ''), lines);
  }

  stop(): Promise<void> {
    this.#stopping = true;
    return this.#teardown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #baseEnv(database: string): Record<string, string> {
    return {
      PGUSER: this.connection.user,
      PGPASSWORD: this.connection.password,
      PGDATABASE: database,
      PGSSLMODE: 'disable',
      PGAPPNAME: 'pgdrill',
    };
  }
}

function definedOnly(env: Record<string, string | undefined> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
