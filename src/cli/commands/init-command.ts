import { exitCodeFor, initSuite } from '../../index.js';
import { printError } from '../print-error.js';

export interface InitFlags {
  from: string;
  out?: string;
  force?: boolean;
  endpoint?: string;
  region?: string;
  caFile?: string;
  name?: string;
}

/** `pgdrill init --from <location>`: what was found on stderr; the suite to --out, or to stdout without it. */
export async function initCommand(flags: InitFlags): Promise<number> {
  try {
    const result = await initSuite({
      from: flags.from,
      out: flags.out,
      force: flags.force,
      endpoint: flags.endpoint,
      region: flags.region,
      caFile: flags.caFile,
      name: flags.name,
    });
    process.stderr.write(`pgdrill: found in ${flags.from}:\n${result.findings.map((f) => `  ${f}`).join('\n')}\n`);
    if (!result.file) {
      process.stdout.write(result.yaml);
      return 0;
    }
    process.stderr.write(
      `pgdrill: wrote ${result.file} (${result.drills} drills; it validates). Next: pgdrill run ${flags.out}\n`,
    );
    return 0;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}
