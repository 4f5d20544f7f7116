import type { Readable } from 'node:stream';
import { CommandError, EngineError, SourceError } from '../../errors.js';
import { runCommand } from '../../process/run-command.js';
import { readHead } from './archive-stream.js';
import { readSchemaFacts, type SchemaFacts } from './schema-facts.js';
import { sniffFormat, type DumpFormat } from './sniff-format.js';

export interface ArchiveInspection {
  format: DumpFormat;
  facts: SchemaFacts;
}

export interface InspectOptions {
  pgRestore: string;
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
  if ('stream' in options.input) {
    const head = await readHead(options.input.stream, 262);
    stream = head.stream;
    format = sniffFormat(head.bytes);
    if (format === 'plain') {
      stream.destroy();
      return { format, facts: readSchemaFacts(head.bytes.toString('utf8')) };
    }
    if (!format) {
      stream.destroy();
      throw unreadable(options.what, `its first bytes are neither a pg_dump archive nor SQL (${JSON.stringify(head.bytes.subarray(0, 8).toString('latin1'))})`);
    }
  } else {
    format = options.input.format ?? 'custom';
  }
  const args = ['--schema-only', '--file=-', FORMAT_FLAG[format as Exclude<DumpFormat, 'plain'>]];
  if ('path' in options.input) args.push(options.input.path);
  try {
    const result = await runCommand(options.pgRestore, args, { input: stream, errorCode: 'ARCHIVE_UNREADABLE', tailLines: 10 });
    return { format, facts: readSchemaFacts(result.stdout) };
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const said = error.stderrTail.join('\n');
    if (/unsupported version .* in file header/.test(said))
      throw new EngineError('PG_RESTORE_TOO_OLD', `${options.what} was written by a newer pg_dump than ${options.pgRestore} can read`, {
        details: error.stderrTail,
        hint: 'install the PostgreSQL client of the major the dump came from or newer (e.g. apt-get install postgresql-client-17)',
      });
    throw unreadable(options.what, error.stderrTail.at(-1) ?? `pg_restore exited ${error.exitCode}`, error);
  } finally {
    stream?.destroy();
  }
}

function unreadable(what: string, why: string, cause?: CommandError): SourceError {
  return new SourceError('ARCHIVE_UNREADABLE', `cannot read the table of contents of ${what}: ${why}`, {
    cause,
    details: cause?.stderrTail,
    hint: 'the object is not a pg_dump archive, is damaged, or needs `decrypt`/`compression` settings in the suite',
  });
}
