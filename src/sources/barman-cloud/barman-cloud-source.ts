import { join } from 'node:path';
import { CommandError, ConfigError, SourceError, StorageError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { parseSegmentKey } from '../../recovery/wal-segments.js';
import { shellQuote } from '../../util/shell-quote.js';
import {
  awsEnv,
  joinKey,
  type ArchivedSegment,
  type PhysicalContext,
  type PreparedPhysical,
} from '../physical/physical-source.js';
import type { BarmanCloudOptions } from './barman-cloud-options.js';
import { startBarmanWalPrefetch } from './barman-cloud-wal.js';
import type { WalPrefetch } from '../../recovery/wal-prefetch.js';

interface BarmanBackup {
  backup_id: string;
  status: string;
  end_time?: string;
  begin_time?: string;
  begin_wal?: string;
  end_wal?: string;
  version?: number;
  size?: number | string | null;
}

/** List with barman-cloud-backup-list, pick the backup, describe barman-cloud-restore and -wal-restore. */
export async function prepareBarmanCloud(
  ctx: PhysicalContext & { options: BarmanCloudOptions },
): Promise<PreparedPhysical> {
  const { options } = ctx;
  if (!('s3' in ctx.storeConfig))
    throw new ConfigError('BARMAN_NEEDS_S3', 'a barmanCloud source needs an s3 store', {
      hint: 'point `store` at an s3 entry of `storage`',
    });
  const s3 = ctx.storeConfig.s3;
  const url = `s3://${s3.bucket}/${joinKey(s3.prefix, options.prefix)}`;
  const common = ['--cloud-provider', 'aws-s3', ...(s3.endpoint ? ['--endpoint-url', s3.endpoint] : [])];
  const envFor = (caBundle?: string) => ({
    ...awsEnv(ctx.env, caBundle ?? s3.caBundle),
    ...(s3.region ? { AWS_DEFAULT_REGION: s3.region } : {}),
  });
  const env = envFor();
  const where = `barman-cloud server ${options.server} at ${url}`;
  const listed = await runBarman(
    'barman-cloud-backup-list',
    [...common, '--format', 'json', url, options.server],
    env,
    where,
  );
  const backups = ((JSON.parse(listed) as { backups_list?: BarmanBackup[] }).backups_list ?? []).filter(
    (b) => b.status === 'DONE',
  );
  const backup = options.backup === 'latest' ? backups.at(-1) : backups.find((b) => b.backup_id === options.backup);
  if (!backup)
    throw new SourceError(
      'BACKUP_NOT_FOUND',
      `${where} has ${options.backup === 'latest' ? 'no completed backup' : `no completed backup ${options.backup}`}`,
      {
        details: backups.map((b) => `${b.backup_id} (${b.end_time ?? b.status})`),
        hint: 'check the store, prefix and server name; barman-cloud-backup-list shows what exists',
      },
    );
  const walsPrefix = joinKey(options.prefix, options.server, 'wals');
  const archive: ArchivedSegment[] = (await ctx.store.list(`${walsPrefix}/`, { signal: ctx.signal })).flatMap((o) => {
    const segment = parseSegmentKey(o.key);
    return segment ? [{ ...segment, lastModified: o.lastModified }] : [];
  });
  const startSegment = backup.begin_wal ? parseSegmentKey(backup.begin_wal) : undefined;
  let prefetcher: WalPrefetch | undefined;
  return {
    major: backup.version ? Math.floor(backup.version / 10000) : undefined,
    provenance: {
      store: ctx.store.description,
      key: `${url} server ${options.server} backup ${backup.backup_id}`,
      backupId: backup.backup_id,
      size: byteCount(backup.size),
      lastModified: backup.end_time,
      walStart: backup.begin_wal,
      walStop: backup.end_wal,
      format: 'barman-cloud',
    },
    startSegment,
    archive,
    // With prefetch, pgdrill fetches the WAL in its own process: the server's restore_command needs no credentials.
    serverEnv: (access) => (options.prefetch > 0 ? {} : envFor(access.caBundle)),
    async restoreCommand(target, access) {
      if (options.prefetch === 0)
        return `${['barman-cloud-wal-restore', ...common, url, options.server].map(shellQuote).join(' ')} %f %p`;
      await prefetcher?.close();
      prefetcher = await startBarmanWalPrefetch({
        store: ctx.store,
        walsPrefix,
        window: options.prefetch,
        start: startSegment,
        fallback: { args: [...common, url, options.server], env: envFor(access.caBundle) },
        spoolDir: join(target.scratchDir, 'wal-spool'),
        runAs: target.runAs,
      });
      return prefetcher.restoreCommand;
    },
    close: async () => {
      await prefetcher?.close();
    },
    async restore(target, access) {
      await runBarman(
        'barman-cloud-restore',
        [...common, url, options.server, backup.backup_id, target.dataDir],
        envFor(access.caBundle),
        where,
        target.runAs,
      );
    },
  };
}

async function runBarman(
  tool: string,
  args: string[],
  env: Record<string, string>,
  where: string,
  runAs?: { uid: number; gid: number },
): Promise<string> {
  try {
    return (await runCommand(tool, args, { env, uid: runAs?.uid, gid: runAs?.gid, secrets: Object.values(env) }))
      .stdout;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const said = error.stderrTail.join('\n');
    const message = `${tool} failed for ${where}`;
    if (/Could not connect|EndpointConnectionError|SSL|certificate|timed out/i.test(said))
      throw new StorageError('STORAGE_UNREACHABLE', message, {
        cause: error,
        details: error.stderrTail,
        hint: 'check the endpoint, its CA bundle and credentials',
      });
    throw new SourceError('BARMAN_CLOUD_FAILED', message, {
      cause: error,
      details: error.stderrTail,
      hint: "see barman-cloud's messages above",
    });
  }
}

// barman-cloud-backup-list reports `size` as null for backups whose size it did not record (or as a string).
function byteCount(size: unknown): number | undefined {
  const n = typeof size === 'string' ? Number(size) : size;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
