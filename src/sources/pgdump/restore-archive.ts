import type { Readable } from 'node:stream';
import type { StartedServer } from '../../engines/engine.js';
import { CommandError, SourceError } from '../../errors.js';
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
  try {
    if (options.format === 'plain') {
      const stream = 'stream' in options.input ? options.input.stream : undefined;
      const sql = stream?.pipe(createPlainRolesTransform(options.roles));
      stream?.on('error', (e) => sql?.destroy(e));
      const file = 'path' in options.input ? ['--file', options.input.path] : [];
      await options.server.runClient('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', options.database, ...file], {
        input: sql,
        onStderrLine,
        signal: options.signal,
        errorCode: 'RESTORE_FAILED',
      });
    } else {
      await options.server.runClient('pg_restore', pgRestoreArgs(options), {
        input: 'stream' in options.input ? options.input.stream : undefined,
        onStderrLine,
        signal: options.signal,
        errorCode: 'RESTORE_FAILED',
      });
    }
  } catch (error) {
    const upstream = options.inputFailure?.();
    if (error instanceof CommandError || upstream) {
      const errors = noteworthy.filter((l) => /error|fatal|could not/i.test(l)).length;
      const tool = options.format === 'plain' ? 'psql' : 'pg_restore';
      const reason = upstream
        ? `${upstream.message}`
        : `${tool} ${error instanceof CommandError && error.exitCode !== undefined ? `exited with code ${error.exitCode}` : 'failed'} after reporting ${errors} error${errors === 1 ? '' : 's'}`;
      throw new SourceError(upstream && 'code' in upstream ? String((upstream as SourceError).code ?? 'RESTORE_FAILED') : 'RESTORE_FAILED', `restoring ${options.what} failed: ${reason}`, {
        cause: upstream ?? error,
        details: noteworthy.length > 0 ? noteworthy.slice(-40) : error instanceof CommandError ? error.stderrTail : [],
        hint: upstream
          ? (upstream as SourceError).hint ?? 'the stored archive could not be read whole: it is truncated or damaged'
          : 'the archive is damaged, incomplete, or needs objects (roles, extensions, tablespaces) the restore server lacks; see the lines above',
      });
    }
    throw error;
  }
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
    for (const schema of new Set(tables.map((t) => (t.includes('.') ? t.split('.')[0]! : 'public')))) args.push(`--schema=${schema}`);
  }
  for (const table of tables) args.push(`--table=${table.includes('.') ? table.slice(table.indexOf('.') + 1) : table}`);
  if ('path' in options.input) args.push(options.input.path);
  return args;
}
