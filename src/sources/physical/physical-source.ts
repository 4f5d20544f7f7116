import type { RestoreTarget } from '../../engines/engine.js';
import type { BackupProvenance } from '../../results.js';
import type { StoreConfig } from '../../storage/create-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { WalSegment } from '../../recovery/wal-segments.js';

export interface PhysicalContext {
  store: ObjectStore;
  storeConfig: StoreConfig;
  /** The drill's private directory (0700, pgdrill's own user) for tool locks and logs before the server exists. */
  workDir: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export interface ArchivedSegment extends WalSegment {
  lastModified: Date;
}

/** A physical backup, found and described, ready to be restored into an engine's data directory. */
export interface PreparedPhysical {
  /** Major from the backup's own metadata, when it says. */
  major?: number;
  provenance: BackupProvenance;
  /** The first WAL segment replay needs (the backup's start), when known. */
  startSegment?: WalSegment;
  /** Every segment in the WAL archive (for coverage, gaps and the archive's end). */
  archive: ArchivedSegment[];
  /** Fill the data directory (runs as target.runAs). */
  restore(target: RestoreTarget, access: ToolAccess): Promise<void>;
  /** restore_command fetching one segment on demand; may use target.scratchDir and start a WAL fetcher there. */
  restoreCommand(target: RestoreTarget, access: ToolAccess): string | Promise<string>;
  /** Stop what restoreCommand started (a WAL prefetcher and its spool); safe to call more than once. */
  close?(): Promise<void>;
  /** Environment the server needs for restore_command (credentials, CA bundle). */
  serverEnv(access: ToolAccess): Record<string, string>;
}

/**
 * What tools running as the server's OS user can read: the store's CA bundle may sit where only pgdrill's
 * user can (0700), so it is copied next to the server's own files first.
 */
export interface ToolAccess {
  caBundle?: string;
}

/** AWS credentials and CA from pgdrill's own environment, for tools the server or pgdrill runs. */
export function awsEnv(env: Record<string, string | undefined>, caBundle?: string): Record<string, string> {
  const keys = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_EC2_METADATA_DISABLED',
  ];
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k]) out[k] = env[k]!;
  if (caBundle) out.AWS_CA_BUNDLE = caBundle;
  else if (env.AWS_CA_BUNDLE) out.AWS_CA_BUNDLE = env.AWS_CA_BUNDLE;
  return out;
}

/** Keys of a store are relative to its root prefix; tools need the full one. */
export function joinKey(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}
