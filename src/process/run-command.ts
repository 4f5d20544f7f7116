import { execa, type ResultPromise } from 'execa';
import type { Readable, Writable } from 'node:stream';
import { CommandError } from '../errors.js';

export interface RunCommandOptions {
  /** Stable error code used when the command fails. @default 'COMMAND_FAILED' */
  errorCode?: string;
  env?: Record<string, string | undefined>;
  /** false: the child gets `env` alone, not pgdrill's environment too (servers, which must not see secrets). @default true */
  extendEnv?: boolean;
  cwd?: string;
  /** Run as this OS user (the server's user when pgdrill runs as root). */
  uid?: number;
  gid?: number;
  /** Feed this stream (or string) to stdin. */
  input?: Readable | string;
  /** Receive stdout as a stream instead of buffering it. */
  stdoutTo?: Writable;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Strings that must never appear in messages (passwords, keys). */
  secrets?: string[];
  /** How many stderr lines to keep in the error. @default 30 */
  tailLines?: number;
  /** Called with each stderr line as it arrives (progress parsing). */
  onStderrLine?: (line: string) => void;
  /** Exit codes that count as success. @default [0] */
  okExitCodes?: number[];
}

export interface CommandResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out.replace(/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/g, '$1***@');
}

export function tailOf(text: string, lines: number): string[] {
  const all = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  return all.slice(-lines);
}

/**
 * The one place pgdrill runs a subprocess. A failure becomes a CommandError carrying the command line
 * (secrets redacted), the exit code and the tail of stderr, because the line that matters is usually last.
 */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const secrets = options.secrets ?? [];
  const command = redact([file, ...args].join(' '), secrets);
  const started = Date.now();
  const child: ResultPromise = execa(file, args, {
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    input: typeof options.input === 'string' ? options.input : undefined,
    stdin:
      options.input !== undefined && typeof options.input !== 'string'
        ? 'pipe'
        : typeof options.input === 'string'
          ? undefined
          : 'ignore',
    stdout: options.stdoutTo ? 'pipe' : 'pipe',
    buffer: { stdout: !options.stdoutTo, stderr: true },
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5000,
    reject: false,
    stripFinalNewline: true,
  });
  if (options.input !== undefined && typeof options.input !== 'string') {
    options.input.on('error', (err) => child.stdin?.destroy(err));
    child.stdin?.on('error', () => {
      /* the child closed stdin early (pg_restore -l after the TOC); the exit code tells the story */
    });
    options.input.pipe(child.stdin!);
  }
  if (options.stdoutTo) child.stdout?.pipe(options.stdoutTo);
  if (options.onStderrLine) {
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine!(line);
    });
  }
  const result = await child;
  const stderr = redact(String(result.stderr ?? ''), secrets);
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : -1;
  const ok =
    (options.okExitCodes ?? [0]).includes(exitCode) && !result.isCanceled && !result.timedOut && !result.signal;
  if (!ok) {
    const why = result.isCanceled
      ? 'was cancelled'
      : result.timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : result.signal
          ? `was killed by ${result.signal}`
          : result.failed && result.exitCode === undefined
            ? `could not be started (${redact(String(result.shortMessage ?? result.message), secrets)})`
            : `exited with code ${exitCode}`;
    throw new CommandError(options.errorCode ?? 'COMMAND_FAILED', `${basename(file)} ${why}`, {
      command,
      exitCode,
      stderrTail: tailOf(stderr, options.tailLines ?? 30),
      hint:
        result.failed && result.exitCode === undefined
          ? `is ${basename(file)} installed? Try: pgdrill doctor`
          : undefined,
    });
  }
  return { command, exitCode, stdout, stderr, durationMs: Date.now() - started };
}

function basename(file: string): string {
  return file.split('/').pop() ?? file;
}
