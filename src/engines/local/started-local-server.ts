import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, type EngineError } from '../../errors.js';
import { runCommand, tailOf, type CommandResult, type RunCommandOptions } from '../../process/run-command.js';
import { explainServerDeath } from '../server-death.js';
import { isRunning, readPostmasterPid } from './stop-postmaster.js';
import type { ClientTool, ConnectionInfo, StartedServer } from '../engine.js';

export interface LocalServerTimings {
  /** initdb, or the copy of the template cluster when `fromTemplate`. */
  initdbMs: number;
  fromTemplate?: boolean;
  /** pg_ctl start -w, including retries on a port taken in between. */
  pgCtlStartMs: number;
  /** From the end of pg_ctl to the first answered query over TCP. */
  firstQueryMs: number;
  /** From start() being called to the first answered query. */
  totalMs: number;
}

export interface StartedLocalServerInit<T = LocalServerTimings> {
  major: number;
  version: string;
  binDir: string;
  dataDir: string;
  logPath: string;
  connection: ConnectionInfo;
  timings: T;
  /** Stops the postmaster and removes the engine's files; safe to call more than once. */
  teardown: () => Promise<void>;
}

// libpq settings from the caller's environment that would point a client somewhere else or change its session.
const NEUTRALIZED_CLIENT_ENV: Record<string, undefined> = {
  PGHOSTADDR: undefined,
  PGSERVICE: undefined,
  PGSERVICEFILE: undefined,
  PGOPTIONS: undefined,
  PGTARGETSESSIONATTRS: undefined,
  PGPASSFILE: undefined,
  PGREQUIRESSL: undefined,
};

/** A running local server; stop() (or `await using`) stops it and removes everything the engine made. */
export class StartedLocalServer<T = LocalServerTimings> implements StartedServer {
  readonly kind = 'local' as const;
  readonly major: number;
  readonly version: string;
  readonly connection: ConnectionInfo;
  readonly logPath: string;
  readonly dataDir: string;
  readonly timings: T;
  readonly #binDir: string;
  readonly #teardown: () => Promise<void>;
  #stopping = false;

  constructor(init: StartedLocalServerInit<T>) {
    this.major = init.major;
    this.version = init.version;
    this.connection = init.connection;
    this.logPath = init.logPath;
    this.dataDir = init.dataDir;
    this.timings = init.timings;
    this.#binDir = init.binDir;
    this.#teardown = init.teardown;
  }

  clientPath(tool: ClientTool): string {
    return join(this.#binDir, tool);
  }

  clientEnv(database: string = this.connection.database): Record<string, string> {
    return {
      PGHOST: this.connection.host,
      PGPORT: String(this.connection.port),
      PGUSER: this.connection.user,
      PGPASSWORD: this.connection.password,
      PGDATABASE: database,
      PGSSLMODE: 'disable',
      PGAPPNAME: 'pgdrill',
    };
  }

  /**
   * Clients run as pgdrill's own user and connect over TCP; `options.env` may override PGDATABASE etc. A
   * client that failed because the server died (killed, crashed) gives SERVER_DIED, not the tool's error.
   */
  async runClient(tool: ClientTool, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
    try {
      return await runCommand(this.clientPath(tool), args, {
        ...options,
        env: { ...NEUTRALIZED_CLIENT_ENV, PSQLRC: '/dev/null', ...this.clientEnv(), ...options.env },
        secrets: [this.connection.password, ...(options.secrets ?? [])],
      });
    } catch (error) {
      if (!(error instanceof CommandError) || options.signal?.aborted) throw error;
      throw (await this.explainDeath(tool, error)) ?? error;
    }
  }

  async explainDeath(what: string, error: Error): Promise<EngineError | undefined> {
    if (this.#stopping) return undefined;
    const probe = async () => {
      const pid = await readPostmasterPid(this.dataDir);
      return { gone: pid === undefined || !isRunning(pid), what: `postmaster pid ${pid ?? 'unknown'}` };
    };
    return explainServerDeath({ probe, logPath: this.logPath, tool: what, error, engine: 'local' });
  }

  describe(database: string = this.connection.database): string {
    const { user, host, port } = this.connection;
    return `postgresql://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}`;
  }

  async logTail(lines = 20): Promise<string[]> {
    const text = await readFile(this.logPath, 'utf8').catch(() => '');
    return tailOf(text, lines);
  }

  stop(): Promise<void> {
    this.#stopping = true;
    return this.#teardown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
