import {
  ConfigError,
  formatHistory,
  loadSuites,
  readHistoryFile,
  readSuiteHistory,
  summarizeHistory,
  type HistoryRun,
} from '../../index.js';
import { runInterruptible } from '../signals.js';

export interface HistoryFlags {
  drill?: string;
  /** Runs in the restore-time trend. */
  last?: string;
  /** Read this JSON-lines history file instead of the suite's history. */
  from?: string;
}

/** `pgdrill history`: per drill, when it last passed, its last status and its restore-time trend. */
export async function historyCommand(file: string | undefined, flags: HistoryFlags): Promise<number> {
  return runInterruptible(async () => {
    const last = flags.last === undefined ? 10 : Number(flags.last);
    if (!Number.isInteger(last) || last < 1)
      throw new ConfigError('INVALID_OPTION', `--last ${flags.last} is not a positive whole number`, {
        hint: 'write e.g. --last 10',
      });
    if (!file && !flags.from)
      throw new ConfigError('INVALID_OPTION', 'pgdrill history needs a suite file or --from <history.jsonl>', {
        hint: 'pgdrill history drills/restore.yaml, or pgdrill history --from pgdrill-history.jsonl',
      });
    let runs: HistoryRun[];
    let source: string;
    let suiteName: string | undefined;
    if (flags.from) {
      suiteName = file ? (await loadSuites([file]))[0]!.name : undefined;
      runs = (await readHistoryFile(flags.from)).filter((r) => suiteName === undefined || r.suite === suiteName);
      source = flags.from;
    } else {
      const suite = (await loadSuites([file!]))[0]!;
      suiteName = suite.name;
      ({ runs, description: source } = await readSuiteHistory(suite));
    }
    const suites = [...new Set(runs.map((r) => r.suite))];
    for (const name of suites.length ? suites : [suiteName ?? '(none)']) {
      const own = runs.filter((r) => r.suite === name);
      const summaries = summarizeHistory(own, { drill: flags.drill, last });
      const heading = `history of ${name}: ${own.length} run${own.length === 1 ? '' : 's'} in ${source}${flags.drill ? ` · drill ${flags.drill}` : ''}`;
      process.stdout.write(formatHistory(heading, summaries) + (suites.length > 1 ? '\n' : ''));
    }
    return 0;
  });
}
