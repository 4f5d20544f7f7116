import type { CommandResult, RunCommandOptions } from '../process/run-command.js';

export type EngineKind = 'local' | 'docker';

export interface ProbeResult {
  kind: EngineKind;
  usable: boolean;
  /** Why it is (or is not) usable, in words a user can act on. */
  reason: string;
  /** PostgreSQL majors this engine can start, newest first. */
  majors: number[];
}

export interface ServerSpec {
  /** The PostgreSQL major the backup needs; undefined = the newest available. */
  major?: number;
  /** A private (0700) directory owned by this drill; the engine puts its data and socket dirs below it. */
  workDir: string;
  /** Extra postgresql.conf settings (e.g. shared_preload_libraries). */
  settings?: Record<string, string>;
  /** Milliseconds to wait for the server to accept connections. @default 60000 */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  /** Random per run; never printed (see `StartedServer.describe`). */
  password: string;
  database: string;
}

export type ClientTool = 'psql' | 'pg_restore' | 'pg_dump' | 'createdb';

/** A running throwaway server. Disposing it stops the server and removes everything the engine created. */
export interface StartedServer extends AsyncDisposable {
  readonly kind: EngineKind;
  readonly major: number;
  /** `server_version` as reported by the server, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
  readonly version: string;
  readonly connection: ConnectionInfo;
  /** Where the server log is (kept until the server is disposed; attached to failures). */
  readonly logPath: string;
  /** Absolute path to a client tool of the server's major. */
  clientPath(tool: ClientTool): string;
  /** Env for client tools (PGHOST, PGPORT, PGUSER, PGPASSWORD…) pointing at `database`. */
  clientEnv(database?: string): Record<string, string>;
  /** Run a client tool against this server; the password is redacted from any error. */
  runClient(tool: ClientTool, args: readonly string[], options?: RunCommandOptions): Promise<CommandResult>;
  /** `postgresql://user@127.0.0.1:port/db` with no password: safe for reports and logs. */
  describe(database?: string): string;
  /** The last `lines` lines of the server log. */
  logTail(lines?: number): Promise<string[]>;
  stop(): Promise<void>;
}

export interface Engine {
  readonly kind: EngineKind;
  probe(): Promise<ProbeResult>;
  start(spec: ServerSpec): Promise<StartedServer>;
}
