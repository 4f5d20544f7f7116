import { exitCodeFor, runAllCleanups } from './light-api.js';
import { printError } from './print-error.js';

/**
 * First SIGINT/SIGTERM: abort the run so every drill releases its server and files through its normal
 * path. A second signal, or a run that has not ended 30 s later, runs the cleanup registry and exits.
 */
export function handleSignals(controller: AbortController): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    process.stderr.write(
      `\npgdrill: ${signal} received: stopping and removing every server and temp dir${count > 1 ? ' (now)' : ''}\n`,
    );
    controller.abort(new Error(`${signal} received`));
    const force = async () => {
      const failures = await runAllCleanups();
      for (const f of failures) process.stderr.write(`pgdrill: cleanup failed: ${f}\n`);
      process.exit(130);
    };
    if (count > 1) void force();
    else setTimeout(() => void force(), 30_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * The frame of a command that runs drills: signals abort it, an error becomes its message and exit
 * code, and `fn` returns the exit code of a run that ended.
 */
export async function runInterruptible(fn: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const release = handleSignals(controller);
  try {
    return await fn(controller.signal);
  } catch (error) {
    // Whatever broke after the signal broke because of it: say cancelled, without the symptom's stack.
    if (controller.signal.aborted) {
      process.stderr.write(
        `pgdrill: DRILL_CANCELLED: the run was cancelled (${error instanceof Error ? error.message.split('\n')[0] : String(error)})\n`,
      );
      return 130;
    }
    printError(error);
    return exitCodeFor(error);
  } finally {
    release();
  }
}
