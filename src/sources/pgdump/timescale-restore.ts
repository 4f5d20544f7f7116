import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { StartedServer } from '../../engines/engine.js';
import { EngineError, SourceError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import type { ToolCommand } from './inspect-archive.js';
import type { SchemaFacts } from './schema-facts.js';
import type { DumpFormat } from './sniff-format.js';

/**
 * TimescaleDB dumps restore whole only one way: the library preloaded, the extension created at the dumped
 * version, pg_restore with one job between timescaledb_pre_restore() and timescaledb_post_restore().
 * Otherwise pg_restore loses chunks (rows, or every chunk with -j) and often still exits with warnings only.
 */
export const needsTimescale = (facts: SchemaFacts): boolean => facts.extensions.includes('timescaledb');

/** Server settings with timescaledb added to shared_preload_libraries (kept after any the suite names). */
export function withTimescalePreload(settings: Record<string, string> = {}): Record<string, string> {
  const libraries = (settings.shared_preload_libraries ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (libraries.includes('timescaledb')) return settings;
  return { ...settings, shared_preload_libraries: [...libraries, 'timescaledb'].join(',') };
}

const VERSION_ROW = /^timescaledb_version\t([^\t]+)\t/;

/**
 * pg_dump records no extension version; TimescaleDB keeps its own in _timescaledb_catalog.metadata, a
 * config table whose rows are dumped as data (key timescaledb_version).
 */
export async function readDumpedTimescaleVersion(options: {
  /** The pg_restore that read the table of contents. */
  pgRestore: ToolCommand;
  format: DumpFormat;
  input: { path: string } | { stream: Readable };
  signal?: AbortSignal;
}): Promise<string | undefined> {
  if (options.format === 'plain') {
    const stream = 'stream' in options.input ? options.input.stream : undefined;
    if (!stream) return undefined;
    try {
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        const hit = VERSION_ROW.exec(line);
        if (hit) return hit[1];
      }
      return undefined;
    } finally {
      stream.destroy();
    }
  }
  const flag = { custom: '-Fc', tar: '-Ft', directory: '-Fd' }[options.format];
  const args = ['--data-only', '--schema=_timescaledb_catalog', '--table=metadata', '--file=-', flag];
  if ('path' in options.input) args.push(options.input.path);
  const input = 'stream' in options.input ? options.input.stream : undefined;
  try {
    const { stdout } = await runCommand(options.pgRestore.file, [...options.pgRestore.args, ...args], {
      input,
      errorCode: 'ARCHIVE_UNREADABLE',
      tailLines: 10,
      signal: options.signal,
    });
    for (const line of stdout.split('\n')) {
      const hit = VERSION_ROW.exec(line);
      if (hit) return hit[1];
    }
    return undefined;
  } finally {
    input?.destroy();
  }
}

interface TimescaleTarget {
  server: StartedServer;
  database: string;
  signal?: AbortSignal;
}

const psql = (t: TimescaleTarget, sql: string) =>
  t.server.runClient('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', t.database, '-c', sql], {
    signal: t.signal,
    errorCode: 'TIMESCALE_RESTORE_FAILED',
  });

/** Create the extension at the dumped version and put the database in restoring mode. */
export async function beginTimescaleRestore(t: TimescaleTarget & { version?: string; what: string }): Promise<void> {
  if (!t.version)
    throw new SourceError(
      'TIMESCALEDB_VERSION_UNKNOWN',
      `${t.what} uses timescaledb but records no timescaledb_version in _timescaledb_catalog.metadata`,
      {
        hint: 'the dump lacks TimescaleDB catalog data (was it taken with --exclude-schema or --schema?); take a full pg_dump of the database',
      },
    );
  const preload = (await psql(t, 'SHOW shared_preload_libraries')).stdout.trim();
  if (
    !preload
      .split(',')
      .map((s) => s.trim())
      .includes('timescaledb')
  )
    throw new EngineError(
      'TIMESCALEDB_NOT_PRELOADED',
      `the restore server preloads "${preload}", without timescaledb`,
      {
        hint: 'the engine must apply shared_preload_libraries=timescaledb (the local engine does); an image must not override it',
      },
    );
  const available = (
    await psql(t, "SELECT coalesce(default_version, '') FROM pg_available_extensions WHERE name = 'timescaledb'")
  ).stdout.trim();
  if (available !== t.version)
    throw new EngineError(
      'EXTENSION_VERSION_MISMATCH',
      `${t.what} was dumped with timescaledb ${t.version}, but PostgreSQL ${t.server.major} here has timescaledb ${available || 'not installed'}`,
      {
        hint: `install TimescaleDB ${t.version} for PostgreSQL ${t.server.major} on the restore side: pre/post restore needs the exact dumped version`,
      },
    );
  await psql(t, `CREATE EXTENSION IF NOT EXISTS timescaledb VERSION '${t.version.replace(/'/g, "''")}'`);
  await psql(t, 'SELECT timescaledb_pre_restore()');
}

/** Leave restoring mode: restarts the background workers and the job scheduler. */
export async function finishTimescaleRestore(t: TimescaleTarget): Promise<void> {
  await psql(t, 'SELECT timescaledb_post_restore()');
}
