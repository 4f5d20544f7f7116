import { exitCodeFor, sweepLeftovers } from '../../index.js';
import { printError } from '../print-error.js';

/** `pgdrill clean [--dry-run]`: what runs that are gone left behind (never a live run's), removed and listed. */
export async function cleanCommand(flags: { dryRun?: boolean }): Promise<number> {
  try {
    const { removed } = await sweepLeftovers({ dryRun: flags.dryRun === true });
    if (removed.length === 0) process.stdout.write('nothing to clean\n');
    for (const line of removed) process.stdout.write(`${flags.dryRun ? 'would remove' : 'removed'} ${line}\n`);
    return 0;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}
