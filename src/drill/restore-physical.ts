import { EngineError, SourceError } from '../errors.js';
import { recoveryFailure, buildRecoveryReport } from '../recovery/recovery-report.js';
import { parsePgTime, recoverySettings } from '../recovery/recovery-target.js';
import { parseDuration } from '../util/duration.js';
import { segmentOfLsn, walCoverage } from '../recovery/wal-segments.js';
import { prepareBarmanCloud } from '../sources/barman-cloud/barman-cloud-source.js';
import { prepareBasebackup } from '../sources/basebackup/basebackup-source.js';
import { preparePgbackrest } from '../sources/pgbackrest/pgbackrest-source.js';
import type { PhysicalContext, PreparedPhysical, ToolAccess } from '../sources/physical/physical-source.js';
import type { RestoreTarget } from '../engines/engine.js';
import { chmod, chown, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStore } from '../storage/create-store.js';
import type { PhysicalSource } from '../suite/resolved-suite.js';
import { timed, type RestoreContext, type RestoreOutcome } from './restore-context.js';
import { estimatePhysicalRestore, PHYSICAL_COMPRESSED_FACTOR } from '../fleet/restore-estimate.js';
import { formatBytes } from '../fleet/byte-size.js';
import { combineToolFor } from './pg-combinebackup-tool.js';
import { pgbackrestContainerFor } from './pgbackrest-container-tool.js';
import { assertPhysicalMajor } from './pick-major.js';

/** A physical backup: restore its files, replay WAL to the target, and prove where recovery stopped. */
export async function restorePhysical(ctx: RestoreContext, source: PhysicalSource): Promise<RestoreOutcome> {
  const { drill, result } = ctx;
  ctx.stall?.phase('fetch');
  const prepared = await timed(result, 'fetchSeconds', () => prepareSource(ctx, source));
  result.backup = [prepared.provenance];
  ctx.stack.defer(() => prepared.close?.());
  const newest = prepared.archive.reduce<Date | undefined>(
    (m, s) => (!m || s.lastModified > m ? s.lastModified : m),
    undefined,
  );
  const target = drill.target;
  const targetTime =
    target?.time !== undefined
      ? parsePgTime(target.time)
      : target?.beforeArchiveEnd !== undefined && newest
        ? new Date(newest.getTime() - parseDuration(target.beforeArchiveEnd) * 1000)
        : undefined;
  // Before any file is restored: a physical backup starts only on its own major.
  assertPhysicalMajor(drill.postgres.major, prepared.major, source.kind);
  checkArchiveUpFront(prepared, target?.lsn, source);
  await reserveDisk(ctx, prepared);
  const recovery = recoverySettings(target, targetTime);
  // Both are read by the engine after restore(), which fills them once it knows where the server's files are.
  const serverEnv: Record<string, string> = {};
  if (!ctx.engine.startRestored)
    throw new EngineError(
      'ENGINE_CANNOT_RESTORE_PHYSICAL',
      `the ${ctx.engine.kind} engine cannot restore physical backups`,
      { hint: 'use --engine local' },
    );
  const startRestored = ctx.engine.startRestored.bind(ctx.engine);
  ctx.stall?.phase('restore and WAL replay');
  const server = ctx.stack.use(
    await timed(result, 'engineSeconds', () =>
      startRestored({
        major: drill.postgres.major ?? prepared.major,
        workDir: ctx.workspace.dir,
        settings: drill.postgres.settings,
        superusers: drill.postgres.superusers,
        recovery,
        serverEnv,
        recoveryTimeoutMs: drill.timeoutSeconds * 1000,
        signal: ctx.signal,
        restore: async (t) => {
          const access = await shareCaBundle(caBundleOf(ctx, source), t);
          await prepared.restore(t, access);
          recovery.restore_command = await prepared.restoreCommand(t, access);
          Object.assign(serverEnv, prepared.serverEnv(access));
        },
      }),
    ),
  );
  await prepared.close?.(); // recovery is over: no more WAL to fetch ahead
  const report = buildRecoveryReport({
    outcome: server.recovery,
    target,
    targetTime,
    archive: { segments: prepared.archive, start: prepared.startSegment },
  });
  result.recovery = report;
  result.timings!.replaySeconds = report.replaySeconds;
  if (server.recovery.ended !== 'promoted') throw recoveryFailure(server.recovery, report);
  const database = source.options.database;
  result.engine = {
    kind: server.kind,
    major: server.major,
    backupMajor: prepared.major ?? server.recovery.major,
    version: server.version,
    connection: server.describe(database),
    image: server.image,
  };
  return {
    server,
    database,
    recovery: report,
    message: `restored ${prepared.provenance.chain ?? prepared.provenance.key} and replayed ${report.segmentsRestored} WAL segments to ${report.target} into ${result.engine.connection}`,
  };
}

function prepareSource(ctx: RestoreContext, source: PhysicalSource): Promise<PreparedPhysical> {
  const storeConfig = ctx.suite.storage[source.store]!;
  const store = createStore(storeConfig, { baseDir: ctx.suite.dir });
  ctx.stack.defer(() => store.close());
  const base: PhysicalContext = {
    store,
    storeConfig,
    workDir: ctx.workspace.filesDir,
    env: ctx.env,
    signal: ctx.signal,
  };
  if (source.kind === 'pgbackrest')
    return preparePgbackrest({ ...base, options: source.options, startContainer: pgbackrestContainerFor(ctx.engine) });
  if (source.kind === 'barmanCloud') return prepareBarmanCloud({ ...base, options: source.options });
  const walStoreConfig = ctx.suite.storage[source.walStore]!;
  const walStore = source.walStore === source.store ? store : createStore(walStoreConfig, { baseDir: ctx.suite.dir });
  if (walStore !== store) ctx.stack.defer(() => walStore.close());
  return prepareBasebackup({
    ...base,
    options: source.options,
    walStore,
    walStoreConfig,
    combineTool: combineToolFor(ctx.engine, ctx.suite.engine.binDir),
  });
}

/** A segment missing between the backup's start and the end of the archive (or an LSN target) fails before any replay. */
function checkArchiveUpFront(prepared: PreparedPhysical, targetLsn: string | undefined, source: PhysicalSource): void {
  if (!prepared.startSegment) return;
  const to = targetLsn ? segmentOfLsn(targetLsn) : undefined;
  const coverage = walCoverage(prepared.archive, {
    from: prepared.startSegment.number,
    to,
    timeline: prepared.startSegment.timeline,
  });
  if (coverage.count === 0 && prepared.archive.length === 0 && source.kind === 'basebackup') return;
  if (coverage.missing.length > 0)
    throw new SourceError(
      'WAL_GAP',
      `the WAL archive lacks segment ${coverage.missing[0]} between the backup's start (${prepared.startSegment.name}) and ${to === undefined ? `the newest archived segment (${coverage.last?.name})` : `the target LSN ${targetLsn}`}`,
      {
        details: [
          `missing: ${coverage.missing.join(', ')}`,
          `archived from the backup on: ${coverage.count} segments, ${coverage.first?.name ?? 'none'} … ${coverage.last?.name ?? 'none'}`,
        ],
        hint: 'recovery would stop at the gap: find the missing segment (archive_command failures, retention that deleted it) before relying on this backup',
      },
    );
}

function caBundleOf(ctx: RestoreContext, source: PhysicalSource): string | undefined {
  const config = ctx.suite.storage[source.kind === 'basebackup' ? source.walStore : source.store]!;
  return ('s3' in config ? config.s3.caBundle : undefined) ?? ctx.env.AWS_CA_BUNDLE;
}

/** Copy the CA bundle where the server's OS user can read it (the original may be private to pgdrill). */
async function shareCaBundle(caBundle: string | undefined, target: RestoreTarget): Promise<ToolAccess> {
  if (!caBundle) return {};
  const copy = join(target.scratchDir, 'ca-bundle.pem');
  await copyFile(caBundle, copy);
  await chmod(copy, 0o644);
  if (target.runAs) await chown(copy, target.runAs.uid, target.runAs.gid);
  return { caBundle: copy };
}

/** The disk guard, once the backup is found and described and before its files are restored. */
async function reserveDisk(ctx: RestoreContext, prepared: PreparedPhysical): Promise<void> {
  const { size, databaseSize, format } = prepared.provenance;
  const start = prepared.startSegment;
  const estimate = estimatePhysicalRestore({
    size: typeof size === 'number' ? size : undefined,
    databaseSize: typeof databaseSize === 'number' ? databaseSize : undefined,
    compressed: format === 'pgbackrest' || format === 'pg_basebackup tar',
    walSegments: prepared.archive.filter(
      (s) => !start || s.timeline > start.timeline || (s.timeline === start.timeline && s.number >= start.number),
    ).length,
  });
  // An incremental chain is extracted whole beside the data directory pg_combinebackup writes: both at once.
  const chain = prepared.provenance.chain;
  if (estimate && typeof chain === 'string' && typeof size === 'number') {
    const extracted = size * (format === 'pg_basebackup tar' ? PHYSICAL_COMPRESSED_FACTOR : 1);
    estimate.bytes += extracted;
    estimate.basis += ` + ${formatBytes(extracted)} for the extracted chain pg_combinebackup reads`;
  }
  // A backup that records no size cannot be estimated; it is restored unguarded rather than refused.
  if (estimate && ctx.disk)
    await ctx.disk.reserve(estimate, `${format ?? 'physical'} backup ${chain ?? prepared.provenance.key}`);
}
