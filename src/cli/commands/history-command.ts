import {
  ConfigError,
  describePeriod,
  evidenceFormatOf,
  formatHistory,
  loadSuites,
  parseHistoryPeriod,
  readHistoryFile,
  readSuiteHistory,
  runsInPeriod,
  summarizeHistory,
  summarizePeriod,
  writePeriodEvidence,
  type HistoryRun,
} from '../../index.js';
import { runInterruptible } from '../signals.js';
import { readVersion } from '../version.js';

export interface HistoryFlags {
  drill?: string;
  /** Runs in the restore-time trend. */
  last?: string;
  /** Read this JSON-lines history file instead of the suite's history. */
  from?: string;
  /** Only runs that started on or after this day (or ISO time). */
  since?: string;
  /** Only runs that started on or before this day (or before this ISO time). */
  until?: string;
  /** Write the period evidence report here (.html, .md or .pdf; repeatable). */
  evidence?: string[];
}

// A period report lists every run in it: read far more than the trend's default when one is asked for.
const EVIDENCE_READ_LIMIT = 1_000_000;

/**
 * `pgdrill history`: per drill, when it last passed, its last status and its restore-time trend; with
 * `--evidence`, the period report an auditor keeps (every drill run of `--since`…`--until` with its verdict).
 */
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
    const period = parseHistoryPeriod({ since: flags.since, until: flags.until });
    // Report names (and Chromium, for .pdf) are checked before any history is read.
    for (const out of flags.evidence ?? []) evidenceFormatOf(out);
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
      ({ runs, description: source } = await readSuiteHistory(suite, {
        limit: flags.evidence?.length ? EVIDENCE_READ_LIMIT : undefined,
      }));
    }
    runs = runsInPeriod(runs, period);
    const suites = [...new Set(runs.map((r) => r.suite))];
    for (const name of suites.length ? suites : [suiteName ?? '(none)']) {
      const own = runs.filter((r) => r.suite === name);
      const summaries = summarizeHistory(own, { drill: flags.drill, last });
      const heading = `history of ${name}: ${own.length} run${own.length === 1 ? '' : 's'} in ${source}${flags.drill ? ` · drill ${flags.drill}` : ''}${flags.since || flags.until ? ` · ${describePeriod(period)}` : ''}`;
      process.stdout.write(formatHistory(heading, summaries) + (suites.length > 1 ? '\n' : ''));
    }
    if (flags.evidence?.length) {
      const summary = summarizePeriod(runs, { period, source, drill: flags.drill, pgdrillVersion: readVersion() });
      for (const out of flags.evidence) {
        await writePeriodEvidence(summary, out);
        process.stderr.write(
          `pgdrill: evidence of ${summary.entries.length} drill runs (${summary.period.description}) written to ${out}\n`,
        );
      }
    }
    return 0;
  });
}
