import { cpus } from 'node:os';
import { isDockerEngine } from '../engines/docker/docker-engine.js';
import type { Engine } from '../engines/engine.js';
import { findInstallations } from '../engines/local/find-installations.js';
import { EngineError } from '../errors.js';
import type { PgRestoreFor } from '../sources/pgdump/inspect-archive.js';
import { fetchPgdump, pgdumpServerSettings, preparePgdump, restorePgdump } from '../sources/pgdump/pgdump-source.js';
import { createStore } from '../storage/create-store.js';
import type { ResolvedPgdumpSource } from '../suite/resolved-suite.js';
import { estimateLogicalRestore } from '../fleet/restore-estimate.js';
import type { PgdumpContext } from '../sources/pgdump/pgdump-source.js';
import { withDiskFull } from '../util/disk-full.js';
import { createServerProgress } from './server-progress.js';
import { assertNotOlderThanDump, pickMajor } from './pick-major.js';
import { timed, type RestoreContext, type RestoreOutcome } from './restore-context.js';

/** pg_dump archives: read each table of contents, start a server of the dump's major, restore in order. */
export async function restoreLogical(ctx: RestoreContext, source: ResolvedPgdumpSource): Promise<RestoreOutcome> {
  const { drill, result } = ctx;
  const store = createStore(ctx.suite.storage[source.store]!, { baseDir: ctx.suite.dir });
  ctx.stack.defer(() => store.close());
  const pg = {
    source,
    store,
    workDir: ctx.workspace.filesDir,
    pgRestore: inspectionPgRestore(ctx.engine, ctx.suite.engine.binDir, drill.postgres.major),
    cores: cpus().length,
    env: ctx.env,
    signal: ctx.signal,
    onBytes: ctx.progress.bytes,
    onItem: ctx.progress.item,
    beforeFetch: reserveDisk(ctx),
  };
  // The archives' first bytes (tables of contents) choose the server; their downloads and hashes run while it
  // starts. fetchSeconds and engineSeconds overlap (docs/benchmarks.md says how each is measured).
  const fetchStarted = performance.now();
  ctx.stall?.phase('download');
  const prepared = await withDiskFull(ctx.workspace.filesDir, 'fetching the archive', () => preparePgdump(pg));
  result.backup = prepared.archives.map((a) => a.provenance);
  const fetch = fetchPgdump(prepared, ctx.signal);
  // A hash still running when the drill ends otherwise (a failure between start and restore) stops with it.
  ctx.stack.defer(() => fetch.abort(new DOMException('the drill ended', 'AbortError')));
  void Promise.allSettled([fetch.ready, fetch.alongside]).then(() => {
    result.timings!.fetchSeconds = Math.round(performance.now() - fetchStarted) / 1000;
  });
  let serverUp = false;
  const ready = withDiskFull(ctx.workspace.filesDir, 'fetching the archive', () => fetch.ready).then(() => {
    // Engines bound their start-up with their own timeout (and name what did not start).
    if (!serverUp) ctx.stall?.phase('server start', { watched: false });
  });
  const stopStart = new AbortController();
  const starting = (async () => {
    const probe = await ctx.engine.probe();
    const major = pickMajor({
      requested: drill.postgres.major,
      sourceMajor: prepared.sourceMajor,
      available: probe.majors,
      engine: ctx.engine.kind,
    });
    const started = ctx.stack.use(
      await timed(result, 'engineSeconds', () =>
        ctx.engine.start({
          major,
          workDir: ctx.workspace.dir,
          settings: pgdumpServerSettings(prepared, drill.postgres.settings),
          extensions: neededExtensions(prepared),
          readPaths: archivesInPlace(prepared, ctx.workspace.dir),
          signal: AbortSignal.any([ctx.signal, stopStart.signal]),
        }),
      ),
    );
    serverUp = true;
    return started;
  })();
  let server: Awaited<typeof starting>;
  try {
    [, server] = await Promise.all([ready, starting]);
  } catch (error) {
    // The first failure is the drill's error: the other side is stopped (a server that did start anyway is
    // on ctx.stack, stopped with the drill; a download's partial file goes with the drill's directory).
    stopStart.abort(error);
    await Promise.allSettled([fetch.abort(error), starting]);
    throw error;
  }
  const database = source.options.database;
  const backupMajor = dumpedFromMajor(prepared);
  result.engine = {
    kind: server.kind,
    major: server.major,
    backupMajor,
    version: server.version,
    connection: server.describe(database),
    image: server.image,
  };
  ctx.stall?.phase('restore');
  // A long COPY or index build prints nothing; the server's own counters show it moving.
  const serverProgress = createServerProgress(server.connection);
  ctx.stack.defer(() => serverProgress.close());
  ctx.stall?.probe('the server wrote WAL or advanced a COPY or index build', serverProgress.read);
  // pg_restore or psql failing for want of space is the server's disk, not the archive.
  await timed(result, 'restoreSeconds', () =>
    withDiskFull(
      ctx.workspace.dir,
      'restoring into the server',
      () => restorePgdump({ ...pg, server, prepared, fetch }),
      () => server.logTail(40),
    ),
  );
  await serverProgress.close();
  const n = prepared.archives.length;
  return {
    server,
    database,
    message: `restored ${n} archive${n > 1 ? 's' : ''} into ${result.engine.connection}${backupMajor !== undefined && backupMajor < server.major ? ` (a PostgreSQL ${backupMajor} dump restored into PostgreSQL ${server.major})` : ''}`,
    scope: source.options.only
      ? { only: source.options.only, dumpedTables: prepared.archives.flatMap((a) => a.facts.tables) }
      : undefined,
  };
}

// The major of the server the dump was taken from (its pg_dump's when the archive does not say).
function dumpedFromMajor(prepared: {
  archives: Array<{ facts: { sourceMajor?: number }; dumpMajor?: number }>;
}): number | undefined {
  const majors = prepared.archives.flatMap((a) => a.facts.sourceMajor ?? a.dumpMajor ?? []);
  return majors.length ? Math.max(...majors) : undefined;
}

function neededExtensions(prepared: { archives: Array<{ facts: { extensions: string[] } }> }): string[] {
  return [...new Set(prepared.archives.flatMap((a) => a.facts.extensions))];
}

// Archives on a filesystem store are read where they lie, outside the drill directory the engine already shares;
// a server whose clients run elsewhere (a container) must see them too.
function archivesInPlace(prepared: { archives: Array<{ localPath?: string }> }, workDir: string): string[] {
  return prepared.archives.flatMap((a) => (a.localPath && !a.localPath.startsWith(`${workDir}/`) ? [a.localPath] : []));
}

/**
 * The archive's table of contents is read before a server is chosen, with a pg_restore of the dump's major or
 * newer: this machine's newest when it is new enough, else (docker engine) one in a container of that major.
 */
function inspectionPgRestore(engine: Engine, binDir?: string, requestedMajor?: number): PgRestoreFor {
  return async (dumpMajor, paths) => {
    // The archive header names its pg_dump: a drill asking for an older server stops before anything else runs.
    assertNotOlderThanDump(requestedMajor, dumpMajor);
    const installed = (await findInstallations({ binDir })).filter((i) => i.tools.pg_restore);
    const here = installed[0];
    if (here && (dumpMajor === undefined || here.major >= dumpMajor))
      return { file: `${here.binDir}/pg_restore`, args: [], where: `pg_restore ${here.major} in ${here.binDir}` };
    if (dumpMajor !== undefined && isDockerEngine(engine)) return engine.toolCommand('pg_restore', dumpMajor, paths);
    if (dumpMajor === undefined)
      throw new EngineError('PG_RESTORE_NOT_FOUND', 'no pg_restore found to read the archive with', {
        hint: 'install postgresql-client-15 (apt-get install postgresql-client-15); pgdrill doctor lists what is found',
      });
    // The local engine restores with the server's own tools: name the server and its client at once.
    throw new EngineError(
      'POSTGRES_MAJOR_NOT_INSTALLED',
      `the archive was written by pg_dump ${dumpMajor}; this machine has ${installed.length ? `pg_restore ${installed.map((i) => i.major).join(', ')}` : 'no pg_restore'}, which cannot read it, and the ${engine.kind} engine needs PostgreSQL ${dumpMajor} to restore it`,
      {
        hint: `install postgresql-${dumpMajor} and postgresql-client-${dumpMajor} (Debian/Ubuntu: apt-get install postgresql-${dumpMajor} postgresql-client-${dumpMajor}, from the PGDG apt repository where the distribution lacks them), or use the docker engine with the image postgres:${dumpMajor} (or pgdrill/postgres:${dumpMajor} from scripts/build-images.sh --majors=${dumpMajor})`,
      },
    );
  };
}

/** The disk guard, at the point each archive's size is known and nothing is fetched yet. */
function reserveDisk(ctx: RestoreContext): PgdumpContext['beforeFetch'] {
  const disk = ctx.disk;
  if (!disk) return undefined;
  return (found, options, index) =>
    disk.reserve(
      estimateLogicalRestore({
        key: found.key,
        size: found.size,
        format: options.format,
        compression: options.compression,
        encrypted: options.decrypt !== undefined,
        first: index === 0,
      }),
      `pg_dump archive ${found.key}`,
    );
}
