import { cpus } from 'node:os';
import { findInstallations } from '../engines/local/find-installations.js';
import { EngineError } from '../errors.js';
import { pgdumpServerSettings, preparePgdump, restorePgdump } from '../sources/pgdump/pgdump-source.js';
import { createStore } from '../storage/create-store.js';
import type { ResolvedPgdumpSource } from '../suite/resolved-suite.js';
import { estimateLogicalRestore } from '../fleet/restore-estimate.js';
import type { PgdumpContext } from '../sources/pgdump/pgdump-source.js';
import { pickMajor } from './pick-major.js';
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
    pgRestore: await inspectionPgRestore(ctx.suite.engine.binDir),
    cores: cpus().length,
    env: ctx.env,
    signal: ctx.signal,
    onBytes: ctx.progress.bytes,
    onItem: ctx.progress.item,
    beforeFetch: reserveDisk(ctx),
  };
  const prepared = await timed(result, 'fetchSeconds', () => preparePgdump(pg));
  result.backup = prepared.archives.map((a) => a.provenance);
  const probe = await ctx.engine.probe();
  const major = pickMajor({ requested: drill.postgres.major, sourceMajor: prepared.sourceMajor, available: probe.majors, engine: ctx.engine.kind });
  const server = ctx.stack.use(
    await timed(result, 'engineSeconds', () => ctx.engine.start({ major, workDir: ctx.workspace.dir, settings: pgdumpServerSettings(prepared, drill.postgres.settings), extensions: neededExtensions(prepared), readPaths: archivesInPlace(prepared, ctx.workspace.dir), signal: ctx.signal })),
  );
  const database = source.options.database;
  result.engine = { kind: server.kind, major: server.major, version: server.version, connection: server.describe(database), image: server.image };
  await timed(result, 'restoreSeconds', () => restorePgdump({ ...pg, server, prepared }));
  const n = prepared.archives.length;
  return {
    server,
    database,
    message: `restored ${n} archive${n > 1 ? 's' : ''} into ${result.engine.connection}`,
    scope: source.options.only ? { only: source.options.only, dumpedTables: prepared.archives.flatMap((a) => a.facts.tables) } : undefined,
  };
}

function neededExtensions(prepared: { archives: Array<{ facts: { extensions: string[] } }> }): string[] {
  return [...new Set(prepared.archives.flatMap((a) => a.facts.extensions))];
}

// Archives on a filesystem store are read where they lie, outside the drill directory the engine already shares;
// a server whose clients run elsewhere (a container) must see them too.
function archivesInPlace(prepared: { archives: Array<{ localPath?: string }> }, workDir: string): string[] {
  return prepared.archives.flatMap((a) => (a.localPath && !a.localPath.startsWith(`${workDir}/`) ? [a.localPath] : []));
}

/** The archive's table of contents is read before a server is chosen, with the newest pg_restore here. */
async function inspectionPgRestore(binDir?: string): Promise<string> {
  const found = (await findInstallations({ binDir })).find((i) => i.tools.pg_restore);
  if (!found)
    throw new EngineError('PG_RESTORE_NOT_FOUND', 'no pg_restore found to read the archive with', {
      hint: 'install postgresql-client-15 (apt-get install postgresql-client-15); pgdrill doctor lists what is found',
    });
  return `${found.binDir}/pg_restore`;
}

/** The disk guard, at the point each archive's size is known and nothing is fetched yet. */
function reserveDisk(ctx: RestoreContext): PgdumpContext['beforeFetch'] {
  const disk = ctx.disk;
  if (!disk) return undefined;
  return (found, options, index) =>
    disk.reserve(
      estimateLogicalRestore({ key: found.key, size: found.size, format: options.format, compression: options.compression, encrypted: options.decrypt !== undefined, first: index === 0 }),
      `pg_dump archive ${found.key}`,
    );
}
