import type { EngineError } from '../errors.js';
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
  /** Extensions the restore needs (from the archive): the docker engine picks an image that has them. */
  extensions?: string[];
  /**
   * Files or directories outside `workDir` that client tools read (archives on a filesystem store, used in
   * place): the docker engine mounts each read-only at the same path.
   */
  readPaths?: string[];
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
  /** The container image the server runs on (docker engine only). */
  readonly image?: string;
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
  /**
   * `what` (a client tool, a check) failed with `error`: SERVER_DIED when the server is gone or one of its
   * processes was killed, undefined when the server is fine (or is being stopped by pgdrill).
   */
  explainDeath(what: string, error: Error): Promise<EngineError | undefined>;
  stop(): Promise<void>;
}

/** Where the restore callback puts the backup's files, and as whom. */
export interface RestoreTarget {
  /** Empty 0700 data directory owned by the server's OS user. */
  dataDir: string;
  /** A private directory beside it (owned by the server user) for tool config, locks, logs, spool. */
  scratchDir: string;
  /** The OS user files must belong to and tools writing them must run as (undefined: pgdrill's own user). */
  runAs?: { uid: number; gid: number; name: string };
}

export interface RestoredServerSpec extends ServerSpec {
  /** Fill `dataDir` with the backup (pgbackrest restore, tar extraction, barman-cloud-restore…). */
  restore(target: RestoreTarget): Promise<void>;
  /**
   * Recovery settings for this start only (restore_command, recovery_target_*, recovery_target_timeline,
   * recovery_target_inclusive). The engine always adds recovery_target_action=promote, archive_mode=off,
   * archive_command='' and primary_conninfo='', and ignores the backup's own postgresql.auto.conf.
   * Read after `restore()` returns, so restore() may add settings that depend on its RestoreTarget.
   */
  recovery: Record<string, string>;
  /** Extra environment of the server process (what restore_command needs, e.g. S3 credentials). */
  serverEnv?: Record<string, string>;
  /** Roles tried, in order, to connect over the private socket before the drill's own role exists. @default ['postgres', 'pgdrill'] */
  superusers?: string[];
  /** How long recovery may take before the engine gives up. @default 2 hours */
  recoveryTimeoutMs?: number;
}

/** How recovery ended, as the engine saw it; recovery/ interprets the log. */
export interface RecoveryOutcome {
  /** promoted: out of recovery and running · died: the postmaster exited · timeout: still recovering at the deadline */
  ended: 'promoted' | 'died' | 'timeout';
  /** From postmaster start until the server left recovery (or died / timed out). */
  durationMs: number;
  /** The whole server log up to that moment. */
  log: string;
  /** Major from the restored PG_VERSION. */
  major: number;
}

/**
 * A server started on a restored data directory. When recovery did not end in promotion the server is
 * stopped already: `recovery` says why, `connection` must not be used, and disposing still cleans up.
 */
export interface RestoredServer extends StartedServer {
  readonly recovery: RecoveryOutcome;
}

export interface Engine {
  readonly kind: EngineKind;
  probe(): Promise<ProbeResult>;
  start(spec: ServerSpec): Promise<StartedServer>;
  /**
   * Start on a data directory filled by `spec.restore`, run recovery to its end, then admit only the
   * drill. Absent on engines that cannot run physical restores.
   */
  startRestored?(spec: RestoredServerSpec): Promise<RestoredServer>;
}
