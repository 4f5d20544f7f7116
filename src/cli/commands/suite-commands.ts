import { createSuiteRedactor, describeDrill, exitCodeFor, loadSuites } from '../light-api.js';
import { printError } from '../print-error.js';

/** `pgdrill validate`: schema and rules, no restore. */
export async function validateCommand(files: string[]): Promise<number> {
  try {
    const suites = await loadSuites(files);
    for (const suite of suites)
      process.stdout.write(
        `✓ ${suite.file}: suite "${suite.name}", ${suite.drills.length} drill${suite.drills.length === 1 ? '' : 's'}, valid\n`,
      );
    return 0;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}

/** `pgdrill list`: drills and what each would restore. */
export async function listCommand(files: string[]): Promise<number> {
  try {
    for (const suite of await loadSuites(files)) {
      // A key or name may hold an interpolated secret: redacted as in a run.
      const redact = createSuiteRedactor(suite, process.env);
      process.stdout.write(`${suite.name} (${suite.file})\n`);
      for (const drill of suite.drills) process.stdout.write(`  ${redact.text(describeDrill(drill))}\n`);
    }
    return 0;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}
