import type { Readable } from 'node:stream';
import type { StartedServer } from '../../engines/engine.js';
import { finished } from 'node:stream/promises';
import { CommandError, SourceError, isDrillError } from '../../errors.js';
import { createPlainRolesTransform } from './plain-sql-roles.js';
import type { DumpFormat } from './sniff-format.js';

export interface RestoreArchiveOptions {
  server: StartedServer;
  database: string;
  input: { path: string } | { stream: Readable };
  format: DumpFormat;
  jobs: number;
  roles: 'create' | 'skip';
  dataOnly: boolean;
  schemaOnly: boolean;
  only?: { tables?: string[]; schemas?: string[] };
  what: string;
  /** The first error of the input stream (read, decrypt, decompress): a truer cause than pg_restore's. */
  inputFailure?: () => Error | undefined;
  onItem?: (line: string) => void;
  signal?: AbortSignal;
}

const FORMAT_FLAG = { custom: '-Fc', tar: '-Ft', directory: '-Fd' } as const;
const NOTEWORTHY = /error|fatal|could not|Command was|DETAIL|HINT|warning: errors ignored/i;

/**
 * Restore one archive. Unlike the runbooks that pass `--no-owner` and ignore pg_restore's exit status,
 * any error pg_restore or psql reports fails the restore, with the lines that say why.
 */
export async function restoreArchive(options: RestoreArchiveOptions): Promise<void> {
  const noteworthy: string[] = [];
  const onStderrLine = (line: string) => {
    if (NOTEWORTHY.test(line) && noteworthy.length < 200) noteworthy.push(line);
    else options.onItem?.(line);
  };
  // A failed input (a cut read, a dump that stops short of its end) stops the tool at once: pg_restore can
  // spin forever at the end of a cut tar instead of exiting.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  if ('stream' in options.input) options.input.stream.once('error', () => stop.abort());
  try {
    if (options.format === 'plain') {
      const stream = 'stream' in options.input ? options.input.stream : undefined;
      const sql = stream?.pipe(createPlainRolesTransform(options.roles));
      stream?.on('error', (e) => sql?.destroy(e));
      const file = 'path' in options.input ? ['--file', options.input.path] : [];
      await options.server.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', options.database, ...file], {
        input: sql,
        onStderrLine,
        signal,
        errorCode: 'RESTORE_FAILED',
      });
      if (sql) await drainRest(sql);
    } else {
      const input = 'stream' in options.input ? options.input.stream : undefined;
      await options.server.runClient('pg_restore', pgRestoreArgs(options), {
        input,
        onStderrLine,
        signal,
        errorCode: 'RESTORE_FAILED',
      });
      if (input) await drainRest(input);
    }
    const late = options.inputFailure?.();
    if (late) throw late;
  } catch (error) {
    const upstream = options.inputFailure?.();
    // The store's or the disk's fault stays theirs (exit 3), even when the tool failed on the cut stream.
    if (isDrillError(upstream) && upstream.domain !== 'source' && upstream.domain !== 'command') throw upstream;
    if (error instanceof CommandError || upstream) {
      const errors = noteworthy.filter((l) => /error|fatal|could not/i.test(l)).length;
      const tool = options.format === 'plain' ? 'psql' : 'pg_restore';
      const reason = upstream
        ? `${upstream.message}`
        : `${tool} ${error instanceof CommandError && error.exitCode !== undefined ? `exited with code ${error.exitCode}` : 'failed'} after reporting ${errors} error${errors === 1 ? '' : 's'}`;
      throw new SourceError(
        isDrillError(upstream) ? upstream.code : 'RESTORE_FAILED',
        `restoring ${options.what} failed: ${reason}`,
        {
          cause: upstream ?? error,
          details:
            noteworthy.length > 0 ? noteworthy.slice(-40) : error instanceof CommandError ? error.stderrTail : [],
          hint: upstream
            ? ((isDrillError(upstream) ? upstream.hint : undefined) ??
              'the stored archive could not be read whole: it is truncated or damaged')
            : 'the archive is damaged, incomplete, or needs objects (roles, extensions, tablespaces) the restore server lacks; see the lines above',
        },
      );
    }
    throw error;
  }
}

/**
 * Read what the tool left unread (tar end blocks, trailing padding) through the same taps, so the byte count
 * and the format's end can be checked; a stage error is reported through `inputFailure`.
 */
async function drainRest(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  stream.unpipe();
  stream.resume();
  await finished(stream).catch(() => undefined);
}

function pgRestoreArgs(options: RestoreArchiveOptions): string[] {
  const args = ['--dbname', options.database, '--no-password', '--verbose', '--no-tablespaces', '--no-subscriptions'];
  args.push(FORMAT_FLAG[options.format as keyof typeof FORMAT_FLAG]);
  if (options.jobs > 1) args.push(`--jobs=${options.jobs}`);
  if (options.roles === 'skip') args.push('--no-owner', '--no-privileges');
  // Data into an existing schema: foreign keys already exist, and parallel jobs load tables in any order.
  // pg_dump's documented remedy; the schema check verifies every foreign key afterwards.
  if (options.dataOnly) args.push('--data-only', '--disable-triggers');
  if (options.schemaOnly) args.push('--schema-only');
  for (const schema of options.only?.schemas ?? []) args.push(`--schema=${schema}`);
  const tables = options.only?.tables ?? [];
  if (tables.length > 0 && !options.only?.schemas) {
    for (const schema of new Set(tables.map((t) => (t.includes('.') ? t.split('.')[0]! : 'public'))))
      args.push(`--schema=${schema}`);
  }
  for (const table of tables) args.push(`--table=${table.includes('.') ? table.slice(table.indexOf('.') + 1) : table}`);
  if ('path' in options.input) args.push(options.input.path);
  return args;
}
