import type { StartedServer } from '../../engines/engine.js';
import { openArchive } from './archive-stream.js';
import {
  prepareArchive,
  openOptions,
  verifyDigest,
  type PgdumpContext,
  type PreparedArchive,
} from './prepare-archive.js';
import { prepareDatabase } from './prepare-database.js';
import { restoreArchive } from './restore-archive.js';
import {
  beginTimescaleRestore,
  finishTimescaleRestore,
  needsTimescale,
  withTimescalePreload,
} from './timescale-restore.js';

export type { PgdumpContext, PreparedArchive };

export interface PreparedPgdump {
  archives: PreparedArchive[];
  /** The major of the server the dump came from (or of its pg_dump, when newer): the restore server should be this or newer. */
  sourceMajor?: number;
}

/** Find every archive, fetch what must be local, and read each table of contents. No server yet. */
export async function preparePgdump(ctx: PgdumpContext): Promise<PreparedPgdump> {
  const archives: PreparedArchive[] = [];
  for (const [index, options] of ctx.source.archives.entries())
    archives.push(await prepareArchive(ctx, options, index));
  // A pg_dump newer than its server wrote an archive only its own pg_restore (or newer) reads.
  const majors = archives
    .flatMap((a) => [a.facts.sourceMajor, a.dumpMajor])
    .filter((m): m is number => m !== undefined);
  return { archives, sourceMajor: majors.length ? Math.max(...majors) : undefined };
}

/** Settings the restore server needs for these archives (TimescaleDB must be preloaded), over the suite's. */
export function pgdumpServerSettings(
  prepared: PreparedPgdump,
  settings?: Record<string, string>,
): Record<string, string> | undefined {
  return prepared.archives.some((a) => needsTimescale(a.facts)) ? withTimescalePreload(settings) : settings;
}

/** Create the database and roles, then restore every archive in order. */
export async function restorePgdump(
  ctx: PgdumpContext & { server: StartedServer; prepared: PreparedPgdump },
): Promise<void> {
  const { options } = ctx.source;
  const all = ctx.prepared.archives;
  await prepareDatabase({
    server: ctx.server,
    database: options.database,
    roles: options.roles === 'create' ? [...new Set(all.flatMap((a) => a.facts.roles))] : [],
    extensions: [...new Set(all.flatMap((a) => a.facts.extensions))],
    schemas: [...new Set((options.only?.tables ?? []).map((t) => (t.includes('.') ? t.split('.')[0]! : 'public')))],
    signal: ctx.signal,
  });
  const timescale = all.find((a) => needsTimescale(a.facts));
  const target = { server: ctx.server, database: options.database, signal: ctx.signal };
  if (timescale)
    await beginTimescaleRestore({
      ...target,
      version: timescale.timescaleVersion,
      what: `${ctx.store.description}/${timescale.found.key}`,
    });
  for (const archive of all) {
    const what = `${ctx.store.description}/${archive.found.key}`;
    const opened = archive.localPath
      ? undefined
      : await openArchive({
          ...openOptions(ctx, archive.options, archive.found.key, archive.found.size, archive.provenance),
          format: archive.format,
        });
    await restoreArchive({
      server: ctx.server,
      database: options.database,
      input: opened ? { stream: opened.stream } : { path: archive.localPath! },
      format: archive.format,
      // Parallel pg_restore of a TimescaleDB dump leaves hypertables without chunks.
      jobs: timescale ? 1 : archive.jobs,
      roles: options.roles,
      dataOnly: archive.options.dataOnly,
      schemaOnly: archive.options.schemaOnly,
      only: options.only,
      what,
      inputFailure: opened?.failure,
      onItem: ctx.onItem,
      signal: ctx.signal,
    });
    if (opened)
      Object.assign(archive.provenance, verifyDigest(opened.requireWhole(archive.format), archive.options, what));
  }
  if (timescale) await finishTimescaleRestore(target);
}
