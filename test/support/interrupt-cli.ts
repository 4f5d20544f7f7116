import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CliResult } from './backup-lab.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface RunState {
  /** The run's private TMPDIR. */
  tmp: string;
  stdout: string;
  stderr: string;
}

export interface InterruptOptions {
  env: Record<string, string>;
  /** Directory the run's TMPDIR is made in. */
  labDir: string;
  /** The event to signal on; checked one call at a time (never two at once), until it holds or the CLI ends. */
  when: (state: RunState) => Promise<boolean> | boolean;
  /** @default 'SIGINT' */
  signal?: NodeJS.Signals;
  /** Runs right after the signal was sent (e.g. open a FIFO the CLI is blocked on). */
  afterSignal?: (state: RunState) => Promise<void>;
}

export interface InterruptedRun extends CliResult {
  /** The event held and the signal was sent while the CLI still ran. */
  signalled: boolean;
}

/**
 * Run the built CLI and send it a signal once an observed event holds (a process in `ps`, a line on
 * stderr, a file). The check is awaited before the next one starts, so a slow `ps` on a loaded machine
 * never lets a stale answer overwrite a newer one, and the flag says whether the signal really went out.
 */
export async function runCliUntil(args: string[], options: InterruptOptions): Promise<InterruptedRun> {
  const tmp = await mkdtemp(join(options.labDir, 'tmp-'));
  await chmod(tmp, 0o711);
  const state: RunState = { tmp, stdout: '', stderr: '' };
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...options.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (state.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (state.stderr += chunk.toString('utf8')));
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  let signalled = false;
  while (!ended) {
    if (await options.when(state)) {
      if (ended) break;
      signalled = child.kill(options.signal ?? 'SIGINT');
      if (signalled) await options.afterSignal?.(state);
      break;
    }
    await Promise.race([delay(100), exited]);
  }
  const exitCode = await exited;
  return { exitCode, stdout: state.stdout, stderr: state.stderr, tmp, signalled };
}

/** Command lines of the processes whose arguments mention `text`. */
export function processesMentioning(text: string): Promise<Array<{ pid: number; ppid: number; args: string }>> {
  return new Promise((resolve) =>
    execFile('ps', ['-eo', 'pid=,ppid=,args='], { maxBuffer: 16 * 1024 * 1024 }, (_e, out) =>
      resolve(
        out
          .split('\n')
          .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }))
          .filter((p) => p.args.includes(text)),
      ),
    ),
  );
}

/** Every process, for finding the children of a postmaster. */
export function allProcesses(): Promise<Array<{ pid: number; ppid: number; args: string }>> {
  return processesMentioning('');
}
