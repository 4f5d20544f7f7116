import type { StartedServer } from '../../engines/engine.js';
import { openArchive } from './archive-stream.js';
import {
  prepareArchive,
  openOptions,
  verifyDigest,
  type PgdumpContext,
  type PreparedArchive,
} from './prepare-archive.js';
import { assertInPlaceUnchanged } from './in-place-unchanged.js';
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

/**
 * Find every archive and read each table of contents: what choosing and starting the server needs. No server
 * yet, and nothing fetched beyond the tables of contents: `fetchPgdump` does the rest while the server starts.
 */
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

/** The reading left after the tables of contents, under way. Neither promise rejects unobserved. */
export interface PgdumpFetch {
  /** Every archive downloaded (and hashed on the way), its TimescaleDB version read: the restore may begin. */
  ready: Promise<void>;
  /** Every archive read in place hashed: the restore counts only once this has resolved. */
  alongside: Promise<void>;
  /** The first error of either, once one has failed. */
  failure(): unknown;
  /** Stop what still runs (its reads and downloads end, with `reason`); resolves once both have settled. */
  abort(reason: unknown): Promise<void>;
}

/** Start each archive's `rest`: downloads one after another, hashes of archives in place one after another. */
export function fetchPgdump(prepared: PreparedPgdump, signal?: AbortSignal): PgdumpFetch {
  const stop = new AbortController();
  const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let failed: { error: unknown } | undefined;
  const inTurn = async (parts: Array<(signal?: AbortSignal) => Promise<void>>) => {
    try {
      for (const part of parts) await part(both);
    } catch (error) {
      // An abort's own error is the consequence; the first real failure (or the abort's reason) is the cause.
      failed ??= { error: both.aborted && both.reason !== undefined ? both.reason : error };
      throw failed.error;
    }
  };
  const ready = inTurn(prepared.archives.flatMap((a) => a.rest.before ?? []));
  const alongside = inTurn(prepared.archives.flatMap((a) => a.rest.alongside ?? []));
  ready.catch(() => undefined);
  alongside.catch(() => undefined);
  return {
    ready,
    alongside,
    failure: () => failed?.error,
    async abort(reason) {
      stop.abort(reason);
      await Promise.allSettled([ready, alongside]);
    },
  };
}

/** Settings the restore server needs for these archives (TimescaleDB must be preloaded), over the suite's. */
export function pgdumpServerSettings(
  prepared: PreparedPgdump,
  settings?: Record<string, string>,
): Record<string, string> | undefined {
  return prepared.archives.some((a) => needsTimescale(a.facts)) ? withTimescalePreload(settings) : settings;
}

/**
 * Create the database and roles, then restore every archive in order; `fetch.ready` must have resolved. A hash
 * still running (`fetch.alongside`) stops the restore when it fails, and its error is the restore's.
 */
export async function restorePgdump(
  ctx: PgdumpContext & { server: StartedServer; prepared: PreparedPgdump; fetch: PgdumpFetch },
): Promise<void> {
  const hashFailed = new AbortController();
  ctx.fetch.alongside.catch((error: unknown) => hashFailed.abort(error));
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, hashFailed.signal]) : hashFailed.signal;
  try {
    await ctx.fetch.ready;
    await restoreInOrder({ ...ctx, signal });
    await ctx.fetch.alongside;
    for (const archive of ctx.prepared.archives)
      if (archive.inPlace && archive.localPath) await assertInPlaceUnchanged(archive.found, archive.localPath);
  } catch (error) {
    // A damaged or changed archive read in place is the truer cause of a restore that failed on it.
    await ctx.fetch.alongside.catch(() => undefined);
    throw ctx.fetch.failure() ?? error;
  }
}

async function restoreInOrder(ctx: PgdumpContext & { server: StartedServer; prepared: PreparedPgdump }): Promise<void> {
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
