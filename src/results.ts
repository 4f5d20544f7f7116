/** What a run produced: the data reporters render. Plain JSON-serialisable objects. */

export type Status = 'passed' | 'failed' | 'error' | 'skipped';

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
  details?: string[];
  /** The process exit code this error maps to (DESIGN.md): 1 bad backup, 2 usage, 3 infrastructure, 70 bug. */
  exitCode?: number;
}

export interface CheckResult {
  /** Display name, e.g. `rows public.orders >= 1000`. */
  name: string;
  type: string;
  status: Status;
  expected?: string;
  actual?: string;
  message: string;
  details?: string[];
  durationMs: number;
}

export interface StepResult {
  /** `engine`, `fetch`, `restore`, … */
  name: string;
  status: Status;
  durationMs: number;
  message?: string;
  details?: string[];
  error?: ErrorInfo;
}

export interface BackupProvenance {
  store: string;
  key: string;
  size?: number;
  etag?: string;
  lastModified?: string;
  sha256?: string;
  format?: string;
  /** e.g. `pg_dump 15.18` from the archive header. */
  producedBy?: string;
  /** Reads of the object resumed after a cut, reset or stalled connection (the object was still read whole). */
  readRetries?: number;
  [extra: string]: string | number | undefined;
}

/** How point-in-time recovery ended: the proof of the point reached. */
export interface RecoveryReport {
  /** `latest (end of the archive)`, `time 2026-11-20 14:30:00+00`, `xid 745`, … */
  target: string;
  /** The target as an absolute time, when it is one (relative targets resolved). */
  targetTime?: string;
  reached: boolean;
  /** The server's own words: `recovery stopping before commit of transaction 745, time …`. */
  stopRecord?: string;
  lastCommitTime?: string;
  redoDoneAt?: string;
  newTimeline?: number;
  replaySeconds: number;
  segmentsRestored: number;
  archive: { first?: string; last?: string; count: number; newestAt?: string; missing: string[] };
  /** Target time (or now) minus the last replayed commit. */
  rpoSeconds?: number;
  problems: string[];
}

export interface DrillResult {
  name: string;
  status: Exclude<Status, 'skipped'>;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Seconds from drill start until the restored database was ready for checks. */
  restoreSeconds?: number;
  engine?: {
    kind: string;
    /** The major of the server restored into. */
    major: number;
    /** The major the backup came from (the dumped server's, or PG_VERSION of a physical backup); below `major` in an upgrade rehearsal. */
    backupMajor?: number;
    version: string;
    connection: string;
    /** Directory of the server and client binaries (local engine). */
    binDir?: string;
    /** Container image (docker engine). */
    image?: string;
    /** Extensions installed in the restored database, `name version`. */
    extensions?: { name: string; version: string }[];
  };
  /** What the drill restored, in one line (`pg_dump latest under "daily/" from store prod`), and its source kind. */
  source?: { kind: string; description: string };
  /** The suite's recovery objectives, which RTO and RPO are measured against. */
  objectives?: { rtoSeconds?: number; rpoSeconds?: number };
  backup?: BackupProvenance[];
  recovery?: RecoveryReport;
  steps: StepResult[];
  checks: CheckResult[];
  error?: ErrorInfo;
  /** Seconds per phase: fetchSeconds (find, download, read TOC), engineSeconds, restoreSeconds. */
  timings?: Record<string, number>;
  /** Where the drill's files were kept (only with --keep-on-failure). */
  keptAt?: string;
}

export interface RunResult {
  suite: { name: string; files: string[] };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  drills: DrillResult[];
  exitCode: number;
  /** Set when the run was one shard (`--shard index/count`) of the suite's drills. */
  shard?: { index: number; count: number };
}
