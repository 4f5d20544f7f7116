import { execa } from 'execa';
import { PassThrough, type Readable } from 'node:stream';
import { CommandError } from '../errors.js';
import { tailOf } from './run-command.js';
import { registerCleanup } from './cleanup.js';

/**
 * Run a filter program (`zstd -dc`) between two streams. The returned stream errors with a CommandError
 * when the program fails, so a corrupt input surfaces with the program's own words.
 */
export function spawnFilter(file: string, args: readonly string[], input: Readable, errorCode: string): Readable {
  const output = new PassThrough();
  const child = execa(file, args, {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: { stdout: false, stderr: true },
    reject: false,
  });
  const unregister = registerCleanup(`${file} filter`, () => {
    child.kill('SIGKILL');
  });
  input.on('error', (error) => {
    child.kill('SIGTERM');
    output.destroy(error);
  });
  child.stdin!.on('error', () => {
    /* the filter stopped reading; its exit status says why */
  });
  input.pipe(child.stdin!);
  child.stdout!.pipe(output, { end: false });
  output.on('close', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  void child.then((result) => {
    unregister();
    if (output.destroyed) return;
    if (result.exitCode === 0) {
      child.stdout!.once('end', () => output.end());
      if (child.stdout!.readableEnded) output.end();
    } else {
      output.destroy(
        new CommandError(errorCode, `${file} ${args.join(' ')} failed (exit ${result.exitCode ?? result.signal})`, {
          command: [file, ...args].join(' '),
          exitCode: result.exitCode,
          stderrTail: tailOf(String(result.stderr ?? ''), 10),
        }),
      );
    }
  });
  return output;
}
