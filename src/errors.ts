/**
 * Every error pgdrill raises on purpose is a DrillError: a stable SCREAMING_SNAKE `code` users can script
 * against, a message stating what happened with the measured facts, and a `hint` saying what to do next.
 * Exit codes follow DESIGN.md: 2 usage/suite, 3 infrastructure, 1 a bad backup (a failed drill).
 */
export type ErrorDomain = 'config' | 'engine' | 'storage' | 'source' | 'command' | 'check' | 'internal';

export interface DrillErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Lines worth showing under the message (a stderr tail, a list of problems). */
  details?: string[];
}

export class DrillError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: string[];
  readonly domain: ErrorDomain = 'internal';

  constructor(code: string, message: string, options: DrillErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** The suite or the command line is wrong: exit 2. */
export class ConfigError extends DrillError {
  override readonly domain = 'config';
}

/** No usable server could be started: exit 3. */
export class EngineError extends DrillError {
  override readonly domain = 'engine';
}

/** The store could not be reached or listed (not: the backup is missing): exit 3. */
export class StorageError extends DrillError {
  override readonly domain = 'storage';
}

/** The backup itself is missing, unreadable, undecryptable or does not restore: a failed drill, exit 1. */
export class SourceError extends DrillError {
  override readonly domain = 'source';
}

/** A subprocess failed; keeps the command line (secrets redacted), exit code and stderr tail. */
export class CommandError extends DrillError {
  override readonly domain = 'command';
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: string[];

  constructor(
    code: string,
    message: string,
    options: DrillErrorOptions & { command: string; exitCode?: number; stderrTail?: string[] },
  ) {
    super(code, message, { ...options, details: options.details ?? options.stderrTail ?? [] });
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.stderrTail = options.stderrTail ?? [];
  }
}

export function isDrillError(error: unknown): error is DrillError {
  return error instanceof DrillError;
}

/** Exit code for an error that ended a whole run (not a single drill). */
export function exitCodeFor(error: unknown): number {
  if (!isDrillError(error)) return 70;
  switch (error.domain) {
    case 'config':
      return 2;
    case 'engine':
    case 'storage':
      return 3;
    case 'source':
    case 'command':
    case 'check':
      return 1;
    default:
      return 70;
  }
}

/** One line for logs: `CODE: message (hint: …)`. */
export function formatError(error: unknown): string {
  if (!isDrillError(error)) return error instanceof Error ? (error.stack ?? error.message) : String(error);
  const lines = [`${error.code}: ${error.message}`, ...error.details.map((d) => `  ${d}`)];
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join('\n');
}
