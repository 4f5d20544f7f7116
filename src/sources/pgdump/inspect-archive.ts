import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CommandError, EngineError, SourceError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { readArchiveHeader, type ArchiveHeader } from './archive-header.js';
import { readHead } from './archive-stream.js';
import { readSchemaFacts, type SchemaFacts } from './schema-facts.js';
import { sniffFormat, type DumpFormat } from './sniff-format.js';

export interface ArchiveInspection {
  format: DumpFormat;
  facts: SchemaFacts;
  /** The major of the pg_dump that wrote it, from the archive header (undefined for plain SQL). */
  dumpMajor?: number;
}

/** A command line prefix that runs a client tool: a path on this machine, or `docker run … image pg_restore`. */
export interface ToolCommand {
  file: string;
  args: string[];
  /** For messages: e.g. "pg_restore 17 in pgdrill/postgres:17". */
  where: string;
}

/**
 * A pg_restore able to read an archive that pg_dump `dumpMajor` wrote (undefined: the header did not say),
 * which sees `paths` (archives read in place) at their own paths.
 */
export type PgRestoreFor = (dumpMajor: number | undefined, paths: string[]) => Promise<ToolCommand>;

export interface InspectOptions {
  pgRestore: PgRestoreFor;
  /** A local file or directory, or the decoded stream (only its beginning is read). */
  input: { path: string; format?: DumpFormat } | { stream: Readable };
  what: string;
}

const FORMAT_FLAG: Record<Exclude<DumpFormat, 'plain'>, string> = { custom: '-Fc', tar: '-Ft', directory: '-Fd' };

/**
 * Read the archive's table of contents before any server time is spent: is it readable, which pg_dump
 * made it, from which server major, which extensions and roles it needs. Plain SQL has no table of
 * contents; its header comments are read instead.
 */
export async function inspectArchive(options: InspectOptions): Promise<ArchiveInspection> {
  let format: DumpFormat | undefined;
  let stream: Readable | undefined;
  let header: ArchiveHeader | undefined;
  if ('stream' in options.input) {
    // Enough for the archive header (a tar archive's toc.dat starts at 512).
    const head = await readHead(options.input.stream, 4096);
    stream = head.stream;
    format = sniffFormat(head.bytes);
    if (format === 'plain') {
      stream.destroy();
      return { format, facts: readSchemaFacts(head.bytes.toString('utf8')) };
    }
    if (!format) {
      stream.destroy();
      throw unreadable(
        options.what,
        `its first bytes are neither a pg_dump archive nor SQL (${JSON.stringify(head.bytes.subarray(0, 8).toString('latin1'))})`,
      );
    }
    header = readArchiveHeader(head.bytes, format);
  } else {
    format = options.input.format ?? 'custom';
    header = await readHeaderFile(options.input.path, format as Exclude<DumpFormat, 'plain'>);
  }
  const args = ['--schema-only', '--file=-', FORMAT_FLAG[format as Exclude<DumpFormat, 'plain'>]];
  if ('path' in options.input) args.push(options.input.path);
  let reader: ToolCommand | undefined;
  try {
    // The pg_restore of the dump's own major (or newer): an older one cannot read a newer archive.
    reader = await options.pgRestore(header?.dumpMajor, 'path' in options.input ? [options.input.path] : []);
    const result = await runCommand(reader.file, [...reader.args, ...args], {
      input: stream,
      errorCode: 'ARCHIVE_UNREADABLE',
      tailLines: 10,
    });
    return { format, facts: readSchemaFacts(result.stdout), dumpMajor: header?.dumpMajor };
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const said = error.stderrTail.join('\n');
    if (/unsupported version .* in file header/.test(said))
      throw new EngineError(
        'PG_RESTORE_TOO_OLD',
        `${options.what} (archive format ${header?.formatVersion ?? 'unknown'}${header?.dumpVersion ? `, pg_dump ${header.dumpVersion}` : ''}) was written by a newer pg_dump than ${reader?.where ?? 'pg_restore'} can read`,
        {
          details: error.stderrTail,
          hint: `install the PostgreSQL client of the major the dump came from or newer (e.g. apt-get install postgresql-client-${header?.dumpMajor ?? 17}), or use the docker engine with an image of that major`,
        },
      );
    throw unreadable(options.what, error.stderrTail.at(-1) ?? `pg_restore exited ${error.exitCode}`, error);
  } finally {
    stream?.destroy();
  }
}

/** The header of a directory archive's toc.dat (or of a custom/tar file read in place). */
async function readHeaderFile(path: string, format: Exclude<DumpFormat, 'plain'>): Promise<ArchiveHeader | undefined> {
  const file = await open(format === 'directory' ? join(path, 'toc.dat') : path).catch(() => undefined);
  if (!file) return undefined;
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return readArchiveHeader(buffer.subarray(0, bytesRead), format);
  } finally {
    await file.close();
  }
}

function unreadable(what: string, why: string, cause?: CommandError): SourceError {
  return new SourceError('ARCHIVE_UNREADABLE', `cannot read the table of contents of ${what}: ${why}`, {
    cause,
    details: cause?.stderrTail,
    hint: 'the object is not a pg_dump archive, is damaged, or needs `decrypt`/`compression` settings in the suite',
  });
}
