import type { CheckDefinition } from '../checks/check.js';
import type { RecoveryTarget } from '../recovery/recovery-target.js';
import type { BarmanCloudOptions } from '../sources/barman-cloud/barman-cloud-options.js';
import type { BasebackupOptions } from '../sources/basebackup/basebackup-options.js';
import type { PgbackrestOptions } from '../sources/pgbackrest/pgbackrest-options.js';
import type { ArchiveOptions, PgdumpOptions } from '../sources/pgdump/pgdump-options.js';
import type { StoreConfig } from '../storage/create-store.js';
import type { ResolvedHistory } from '../history/resolved-history.js';
import type { ResolvedNotify } from '../notify/notify-options.js';
import type { ResolvedMetrics } from '../report/metrics-options.js';

/** A suite after loading, validation and resolution: nothing past this boundary re-validates. */
export interface ResolvedSuite {
  name: string;
  description?: string;
  /** Absolute path of the suite file. */
  file: string;
  /** Directory of the suite file; relative paths in the suite are resolved against it. */
  dir: string;
  objectives: { rtoSeconds?: number; rpoSeconds?: number };
  engine: {
    kind: 'auto' | 'local' | 'docker';
    binDir?: string;
    osUser?: string;
    docker?: { images?: Array<{ image: string; major?: number; extensions?: string[] }>; pull?: 'never' | 'missing' };
  };
  storage: Record<string, StoreConfig>;
  drills: ResolvedDrill[];
  /** Prometheus textfile and/or Pushgateway, after the run. */
  metrics?: ResolvedMetrics;
  /** Webhook/Slack channels, after the run. */
  notify?: ResolvedNotify;
  /** Where each run appends its summary. */
  history?: ResolvedHistory;
}

export interface ResolvedCheck {
  type: string;
  options: unknown;
  definition: CheckDefinition<unknown>;
}

export interface ResolvedPgdumpSource {
  kind: 'pgdump';
  store: string;
  options: PgdumpOptions;
  /** The archives to restore in order (one unless `archives` was given). */
  archives: ArchiveOptions[];
}

export type ResolvedSource =
  | ResolvedPgdumpSource
  | { kind: 'pgbackrest'; store: string; options: PgbackrestOptions }
  | { kind: 'basebackup'; store: string; walStore: string; options: BasebackupOptions }
  | { kind: 'barmanCloud'; store: string; options: BarmanCloudOptions };

export type PhysicalSource = Exclude<ResolvedSource, ResolvedPgdumpSource>;

export interface ResolvedDrill {
  name: string;
  description?: string;
  tags: string[];
  timeoutSeconds: number;
  /** A restore without progress for this long fails with RESTORE_STALLED. @default 600 */
  stallTimeoutSeconds?: number;
  /** statement_timeout of the checks' read-only role. @default 300 */
  checkTimeoutSeconds?: number;
  postgres: { major?: number; settings: Record<string, string>; superusers?: string[] };
  source: ResolvedSource;
  /** Physical sources only; undefined means the end of the archive. */
  target?: RecoveryTarget;
  checks: ResolvedCheck[];
}
